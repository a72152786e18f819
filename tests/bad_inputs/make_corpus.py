#!/usr/bin/env python3
"""Build tests/bad_inputs/: one small broken scenario per folder.

Every case starts from the valid base scenario in BASE (also written to
`_base/`, which `tests/bad_input.rs` checks is accepted) and changes exactly
one thing, except `three_defects`, which breaks three files at once.

Usage: python3 tests/bad_inputs/make_corpus.py   (rewrites the case folders)

The expected messages live in tests/bad_input.rs, not here.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

SCHOOLS = """id,name,level,sector,lon,lat,classes,class_cap,reserved
S1,North Primary School,primary,public,116.305,39.905,2,,
S2,South Primary School,primary,public,116.320,39.905,1,40,
P1,Hill Private School,primary,private,116.312,39.915,1,30,
"""

APPLICANTS = """id,level,lon,lat,household,priority,zone,private_choices,public_choices,group
A1,primary,116.302,39.902,h1,1,,,,
A2,primary,116.318,39.908,h2,2,,P1,,
A3,primary,116.307,39.906,h3,,Z1,,S1,
A4,primary,116.322,39.903,h4,1,,,S2,
"""

POLICY = """seed = "bad-input corpus base"
rule = "zone"
tie_breaking = "single"
groups = "together"
max_private_choices = 2

[distance]
metric = "haversine"

[fallback]
rule = "nearest_vacancy"
max_distance_m = 5000

[levels.primary]
max_class_size = 45
"""


def square(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def feature(zid, schools, coords, level="primary", gtype="Polygon"):
    return {
        "type": "Feature",
        "properties": {"id": zid, "level": level, "schools": schools},
        "geometry": {"type": gtype, "coordinates": coords},
    }


def zones(features):
    """One feature per line, so a feature's line number is its index + 2."""
    body = ",\n".join(json.dumps(f, separators=(",", ":")) for f in features)
    return '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"


Z1 = square(116.300, 39.900, 116.310, 39.910)
Z2 = square(116.315, 39.900, 116.325, 39.910)


def base_features():
    return [feature("Z1", ["S1"], Z1), feature("Z2", ["S2"], Z2)]


BASE = {
    "schools.csv": SCHOOLS,
    "applicants.csv": APPLICANTS,
    "policy.toml": POLICY,
    "zones.geojson": zones(base_features()),
}


def replace(text, old, new):
    assert text.count(old) == 1, (old, text)
    return text.replace(old, new)


def with_file(name, text):
    return lambda files: {**files, name: text}


def edit(name, old, new):
    return lambda files: {**files, name: replace(files[name], old, new)}


def edit_all(name, old, new):
    return lambda files: {**files, name: files[name].replace(old, new)}


def without(name):
    return lambda files: {k: v for k, v in files.items() if k != name}


def with_zone2(**changes):
    """The base zones with feature 1 (Z2) changed."""
    fs = base_features()
    for k, v in changes.items():
        if k == "coordinates" or k == "type":
            fs[1]["geometry"][k] = v
        elif k == "geometry":
            fs[1]["geometry"] = v
        else:
            fs[1]["properties"][k] = v
    return with_file("zones.geojson", zones(fs))


def chain(*fs):
    def apply(files):
        for f in fs:
            files = f(files)
        return files

    return apply


CASES = {
    # --- schools.csv ---
    "empty_schools_file": with_file("schools.csv", ""),
    "bad_number_classes": edit("schools.csv", "116.320,39.905,1,40", "116.320,39.905,three,40"),
    "negative_classes": edit("schools.csv", "116.320,39.905,1,40", "116.320,39.905,-1,40"),
    "duplicate_school_id": edit("schools.csv", "P1,Hill", "S2,Hill"),
    "bad_sector": edit("schools.csv", "primary,private", "primary,charter"),
    "class_cap_zero": edit("schools.csv", "116.320,39.905,1,40", "116.320,39.905,1,0"),
    "missing_column_classes": chain(
        edit("schools.csv", "lat,classes,class_cap", "lat,class_cap"),
        edit("schools.csv", "39.905,2,,", "39.905,,"),
        edit("schools.csv", "39.905,1,40,", "39.905,40,"),
        edit("schools.csv", "39.915,1,30,", "39.915,30,"),
    ),
    # --- applicants.csv ---
    "missing_applicants_file": without("applicants.csv"),
    "missing_column_lon": with_file(
        "applicants.csv",
        "\n".join(
            ",".join(c for i, c in enumerate(line.split(",")) if i != 2)
            for line in APPLICANTS.strip("\n").split("\n")
        )
        + "\n",
    ),
    "out_of_range_lat": edit("applicants.csv", "116.307,39.906", "116.307,91.2"),
    "nan_lat": edit("applicants.csv", "116.307,39.906", "116.307,NaN"),
    "bad_number_lon": edit("applicants.csv", "116.318,39.908", "116.318°E,39.908"),
    "duplicate_applicant_id": edit("applicants.csv", "A4,primary", "A2,primary"),
    "empty_applicant_id": edit("applicants.csv", "A4,primary", ",primary"),
    "bad_level": edit("applicants.csv", "A4,primary", "A4,senior"),
    "priority_zero": edit("applicants.csv", "h4,1,", "h4,0,"),
    "priority_not_a_number": edit("applicants.csv", "h4,1,", "h4,first,"),
    "applicant_unknown_zone": edit("applicants.csv", ",Z1,", ",Z9,"),
    "public_choices_unknown_school": edit("applicants.csv", ",S2,", ",S9,"),
    "private_choices_unknown_school": edit("applicants.csv", ",P1,", ",P9,"),
    "private_choices_public_school": edit("applicants.csv", ",P1,", ",S1,"),
    "public_choices_private_school": edit("applicants.csv", ",S2,", ",P1,"),
    "ragged_row": edit("applicants.csv", "h3,,Z1,,S1,", "h3,,Z1,,S1,,extra"),
    "unclosed_quote": edit("applicants.csv", "A3,primary", 'A3,"primary'),
    "duplicate_column": edit("applicants.csv", "public_choices,group", "public_choices,zone"),
    "invalid_utf8_applicants": edit("applicants.csv", "h3", "h\udcb3\udcf5"),
    # --- zones.geojson ---
    "missing_zones_file": without("zones.geojson"),
    "geojson_truncated": lambda files: {**files, "zones.geojson": files["zones.geojson"][:200]},
    "geojson_not_collection": with_file(
        "zones.geojson", json.dumps(base_features()[0], separators=(",", ":")) + "\n"
    ),
    "zone_unknown_school": with_zone2(schools=["S2", "S9"]),
    "zone_private_school": with_zone2(schools=["S2", "P1"]),
    "zone_level_mismatch": with_zone2(level="junior"),
    "zone_missing_id": with_zone2(id=None),
    "duplicate_zone_id": with_zone2(id="Z1"),
    "school_in_two_zones": with_zone2(schools=["S2", "S1"]),
    "geometry_bowtie": with_zone2(
        coordinates=[[[116.315, 39.900], [116.325, 39.910], [116.325, 39.900], [116.315, 39.910], [116.315, 39.900]]]
    ),
    "ring_unclosed": with_zone2(coordinates=[Z2[0][:-1] + [[116.315, 39.901]]]),
    "ring_too_few_positions": with_zone2(coordinates=[[[116.315, 39.900], [116.325, 39.900], [116.315, 39.900]]]),
    "geometry_point": with_zone2(geometry={"type": "Point", "coordinates": [116.32, 39.905]}),
    "ring_out_of_range": with_zone2(coordinates=[[[116.315, 39.900], [116.325, 39.900], [116.325, 99.0], [116.315, 39.900]]]),
    # --- policy.toml ---
    "policy_unknown_key": edit("policy.toml", "max_private_choices = 2\n", "max_private_choices = 2\ncolour = \"red\"\n"),
    "policy_bad_rule": edit("policy.toml", 'rule = "zone"', 'rule = "lottery"'),
    "policy_rule_misspelt": edit("policy.toml", 'rule = "zone"', 'rule = "optimum"'),
    "policy_syntax_error": edit("policy.toml", 'tie_breaking = "single"', 'tie_breaking = "single'),
    "policy_missing_seed": edit("policy.toml", 'seed = "bad-input corpus base"\n', ""),
    # seed_commitment of "another seed": the run must be refused.
    "policy_seed_commitment_mismatch": edit(
        "policy.toml",
        'seed = "bad-input corpus base"\n',
        'seed = "bad-input corpus base"\nseed_commitment = "2af4ac5e14c71b0a188aee5d4f35ac149737c543990d696e1c34a64c699ef572"\n',
    ),
    "policy_wrong_type": edit("policy.toml", "max_private_choices = 2", 'max_private_choices = "two"'),
    "policy_class_size_zero": edit("policy.toml", "max_class_size = 45", "max_class_size = 0"),
    "policy_missing_file": without("policy.toml"),
    "policy_duplicate_key": edit("policy.toml", 'groups = "together"\n', 'groups = "together"\ngroups = "separate"\n'),
    "policy_seed_not_string": edit("policy.toml", 'seed = "bad-input corpus base"', "seed = 2027"),
    "policy_fallback_misspelt": edit("policy.toml", 'rule = "nearest_vacancy"', 'rule = "nearest"'),
    "policy_negative_max_distance": edit("policy.toml", "max_distance_m = 5000", "max_distance_m = -5"),
    "policy_unknown_level": edit("policy.toml", "[levels.primary]", "[levels.senior]"),
    "policy_empty_file": with_file("policy.toml", ""),
    "matrix_file_missing": edit("policy.toml", 'metric = "haversine"', 'metric = "matrix"'),
    "geometry_hole_outside": with_zone2(coordinates=Z2 + square(116.400, 39.900, 116.410, 39.910)),
    # --- hostile values ---
    "lat_lon_swapped": edit("applicants.csv", "116.307,39.906", "39.906,116.307"),
    "classes_overflow": edit("schools.csv", "116.320,39.905,1,40", "116.320,39.905,4000000000,40"),
    "classes_too_long": edit("schools.csv", "116.320,39.905,1,40", "116.320,39.905,99999999999999999999,40"),
    "utf16_applicants": lambda files: {**files, "applicants.csv": files["applicants.csv"].encode("utf-16-le").join([b"\xff\xfe", b""])},
    "zone_null_geometry": with_zone2(geometry=None),
    "geojson_deeply_nested": with_zone2(coordinates=json.loads("[" * 200 + "]" * 200)),
    "lon_infinite": edit("applicants.csv", "116.318,39.908", "inf,39.908"),
    "gbk_zones_without_flag": chain(
        with_zone2(name="NAME"),
        lambda files: {**files, "zones.geojson": files["zones.geojson"].replace('"NAME"', '"新区"').encode("gbk")},
    ),
    # --- near misses and root causes (issue 20) ---
    "near_miss_private_choices": edit("applicants.csv", "private_choices,public", "private_choice,public"),
    "near_miss_column_case": edit("applicants.csv", "household,priority", "household,Priority"),
    "near_miss_classes": edit("schools.csv", "lat,classes,class_cap", "lat,clases,class_cap"),
    "policy_key_near_miss": edit("policy.toml", 'tie_breaking = "single"', 'tie-breaking = "single"'),
    "semicolon_separated": edit_all("schools.csv", ",", ";"),
    "tab_separated": edit_all("applicants.csv", ",", "\t"),
    "pipe_separated": edit_all("schools.csv", ",", "|"),
    "gbk_every_row": lambda files: {
        **files,
        "applicants.csv": files["applicants.csv"]
        .replace(",h1,", ",\u5f20\u5bb6,")
        .replace(",h2,", ",\u674e\u5bb6,")
        .replace(",h3,", ",\u738b\u5bb6,")
        .replace(",h4,", ",\u8d75\u5bb6,")
        .encode("gbk"),
    },
    "lat_lon_swapped_every_row": lambda files: {
        **files,
        "applicants.csv": "\n".join(
            ",".join([c[0], c[1], c[3], c[2]] + c[4:]) if len(c) > 3 and c[0] != "id" else ",".join(c)
            for c in (line.split(",") for line in files["applicants.csv"].split("\n"))
        ),
    },
    # --- known loader bugs (tests/bad_input.rs: KNOWN_BUGS) ---
    "crlf_line_endings": chain(
        edit("applicants.csv", "116.307,39.906", "116.307,91.2"),
        lambda files: {**files, "applicants.csv": files["applicants.csv"].replace("\n", "\r\n")},
    ),
    "blank_line_before_row": edit("applicants.csv", "A3,primary,116.307,39.906", "\nA3,primary,116.307,91.2"),
    "policy_error_hides_others": chain(
        edit("policy.toml", 'rule = "zone"', 'rule = "lottery"'),
        edit("policy.toml", "max_private_choices = 2\n", "max_private_choices = 2\ncolour = \"red\"\n"),
    ),
    # variant of the base that is valid: rule "nearest", no zones.geojson, no zone column values
    "policy_error_nearest_no_zones": chain(
        edit("policy.toml", 'rule = "zone"', 'rule = "nearest"'),
        without("zones.geojson"),
        edit("applicants.csv", ",Z1,", ",,"),
        edit("policy.toml", "max_private_choices = 2\n", "max_private_choices = 2\ncolour = \"red\"\n"),
    ),
    "policy_matrix_path": edit("policy.toml", 'metric = "haversine"\n', 'metric = "haversine"\nmatrix = "../distances.csv"\n'),
    "empty_multipolygon": with_zone2(geometry={"type": "MultiPolygon", "coordinates": []}),
    # --- three files at once (tests/bad_input.rs: check_lists_every_problem) ---
    "three_defects": chain(
        edit("schools.csv", "116.320,39.905,1,40", "116.320,39.905,1,0"),
        edit("applicants.csv", "116.307,39.906", "116.307,91.2"),
        edit("policy.toml", "max_private_choices = 2\n", "max_private_choices = 2\ncolour = \"red\"\n"),
    ),
    # --- planning warnings (check exits 0; tests/bad_input.rs: WARNINGS) ---
    "warn_level_short_of_seats": chain(
        edit("schools.csv", "116.305,39.905,2,,", "116.305,39.905,0,,"),
        edit("schools.csv", "116.320,39.905,1,40,", "116.320,39.905,1,1,"),
        edit("schools.csv", "116.312,39.915,1,30,", "116.312,39.915,1,1,"),
    ),
    "warn_zone_short_of_seats": edit("schools.csv", "116.305,39.905,2,,", "116.305,39.905,1,1,"),
    "warn_school_in_no_zone": edit(
        "schools.csv", "P1,Hill", "S3,East Primary School,primary,public,116.330,39.905,1,,\nP1,Hill"
    ),
    "warn_level_without_zones": chain(
        edit("schools.csv", "P1,Hill", "J1,Lake Junior School,junior,public,116.312,39.905,1,,\nP1,Hill"),
        lambda files: {**files, "applicants.csv": files["applicants.csv"] + "A5,junior,116.312,39.904,h5,1,,,,\n"},
    ),
    "warn_home_far_outside": edit("applicants.csv", "116.322,39.903", "0,0"),
    # The base moved to lon 10.3 (near Sardinia), where a swapped pair is
    # still a valid position: the warning says so.
    "warn_home_swapped": chain(
        *[edit_all(name, "116.3", "10.3") for name in ("schools.csv", "applicants.csv")],
        lambda files: {**files, "zones.geojson": files["zones.geojson"].replace("116.3", "10.3")},
        edit("applicants.csv", "10.322,39.903", "39.903,10.322"),
    ),
    "warn_shared_home": lambda files: {
        **files,
        "applicants.csv": files["applicants.csv"]
        + "".join(f"B{i:02},primary,116.302,39.902,g{i:02},1,,,,\n" for i in range(25)),
    },
    "warn_too_many_private_choices": chain(
        edit("schools.csv", "P1,Hill Private School,primary,private,116.312,39.915,1,30,\n",
             "P1,Hill Private School,primary,private,116.312,39.915,1,30,\n"
             "P2,Lake Private School,primary,private,116.313,39.915,1,30,\n"
             "P3,Park Private School,primary,private,116.314,39.915,1,30,\n"),
        edit("applicants.csv", ",P1,", ",P1;P2;P3,"),
    ),
    "warn_zones_overlap": with_zone2(coordinates=square(116.305, 39.900, 116.325, 39.910)),
    "warn_home_in_no_zone": edit("applicants.csv", "116.302,39.902", "116.312,39.902"),
    "warn_public_choice_outside_zone": edit("applicants.csv", ",Z1,,S1,", ",Z1,,S2,"),
    "warn_unknown_column": chain(
        edit("applicants.csv", "public_choices,group\n", "public_choices,group,colour\n"),
        lambda files: {**files, "applicants.csv": "\n".join(
            l + ",red" if l and not l.startswith("id,") else l for l in files["applicants.csv"].split("\n"))},
    ),
    "warn_zone_lists_school_twice": with_zone2(schools=["S2", "S2"]),
    # Z2 overlaps Z1 by a 0.00005° sliver (about 0.5 ha): one summary line.
    "warn_small_overlap": with_zone2(coordinates=square(116.30995, 39.900, 116.325, 39.910)),
    # Z1 is a ring around Z2 with a 0.001° sliver between them: the gap is
    # the sliver, not the ring's hole, and its point is in no zone.
    "warn_gap_around_island": lambda files: {
        **files,
        "zones.geojson": zones([
            feature("Z1", ["S1"], square(116.295, 39.895, 116.335, 39.915) + square(116.314, 39.899, 116.326, 39.911)),
            feature("Z2", ["S2"], Z2),
        ]),
    },
    "warn_group_members_differ": chain(
        edit("applicants.csv", "h1,1,,,,", "h1,1,,,,t1"),
        edit("applicants.csv", "h4,1,,,S2,", "h4,1,,,S2,t1"),
    ),
}


def write(folder, files):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    for name, text in files.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def main():
    write(os.path.join(HERE, "_base"), BASE)
    for case, change in CASES.items():
        files = change(dict(BASE))
        assert files != BASE, case
        write(os.path.join(HERE, case), files)


if __name__ == "__main__":
    main()
