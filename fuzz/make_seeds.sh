#!/bin/sh
# Writes a seed corpus for load_scenario into fuzz/corpus/load_scenario/:
# every folder of the bad-input corpus and the demo district, each as one
# input (its files joined by NUL bytes in the target's order).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/corpus/load_scenario"
mkdir -p "$out"
for dir in "$here"/../tests/bad_inputs/*/ "$here"/../tests/bad_inputs/*/ "$here"/../fixtures/demo-district/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    {
        for f in schools.csv applicants.csv zones.geojson policy.toml distances.csv; do
            [ -f "$dir/$f" ] && cat "$dir/$f"
            [ "$f" = distances.csv ] || printf '\000'
        done
    } > "$out/$name"
done
echo "$(ls "$out" | wc -l) seeds in $out"
