// The public page's look-up: a parent types an id and sees, computed here
// with the browser's Web Crypto (no server, works offline), the tickets of
// every draw the child took part in, each choice's cut-off and the outcome
// in the words of `catchment explain` (src/explain.rs). Tickets are
// SHA-256(seed + "\n" + label + "\n" + id), as in src/lottery.rs.
// `index.html#id=ID` looks ID up on load. When a look-up is finished the
// body gets data-lookup="found", "missing" or "error".
(function () {
  "use strict";
  var body = document.body;
  var data = JSON.parse(document.getElementById("publish-data").textContent);
  var form = document.getElementById("lookup");
  var input = document.getElementById("lookup-id");
  var out = document.getElementById("lookup-words");
  var note = document.getElementById("lookup-note");

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function sha256(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }
  function ticket(label, id) { return sha256(data.seed + "\n" + label + "\n" + id); }

  // Rust's `{:?}` of a string, and a POSIX shell quote.
  function debug(s) {
    return "\"" + s.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")
      .replace(/\r/g, "\\r").replace(/\t/g, "\\t") + "\"";
  }
  function quote(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }
  function ordinal(n) {
    var s = "th";
    if (n % 100 < 11 || n % 100 > 13) s = ["th", "st", "nd", "rd"][n % 10] || "th";
    return n + s;
  }
  function stageOf(label, school) {
    if (label.indexOf("private:") === 0) return "private_lottery";
    return school === "" ? "fallback" : data.rule;
  }
  var TITLES = {
    private_lottery: "Private schools' lottery (公民同招)",
    zone: "Zone allocation (划片入学, computer lottery 电脑随机派位)",
    nearest: "Nearest-school allocation (就近入学)",
    fallback: "District placement (统筹安排)"
  };

  // Why an applicant was admitted at a draw or not: `verdict` of src/explain.rs.
  function verdict(stage, d, t, cutoff, groupSize, reason) {
    if (stage === "fallback") {
      if (d.admitted) return "placed by the district at the nearest public school with a free seat within the distance limit";
      if (reason === "no_capacity") return "no public school of its level had a free seat left when its turn came";
      if (reason === "fallback_none") return "the policy places nobody in the fallback (fallback.rule = \"none\")";
      return "no school with a free seat within the distance limit when its turn came";
    }
    if (d.admitted) return "admitted: it holds a seat here at the end of the stage";
    if (cutoff && (d.priority > cutoff[0] || (d.priority === cutoff[0] && t > cutoff[1]))) {
      if (d.priority > cutoff[0]) {
        return "not admitted: the last applicant admitted was in priority tier " + cutoff[0] +
          ", ahead of its tier " + d.priority;
      }
      return "not admitted: same tier " + d.priority + " as the last applicant admitted, whose ticket " +
        cutoff[1].slice(0, 12) + " is smaller";
    }
    if (groupSize > 1) {
      return "not admitted: its group needed " + groupSize + " seats together and fewer were left when its turn came; " +
        "the group moved on as a unit";
    }
    return "not admitted: the seats went to applicants ahead of it";
  }

  function finish(state, text, message) {
    out.textContent = text;
    note.textContent = message;
    body.setAttribute("data-lookup", state);
  }

  function explain(id, a, tickets) {
    var drawId = a.draw || id;
    var grade = a.level === "junior" ? "grade 7" : "grade 1";
    var lines = "Applicant " + id + " — " + a.level + " (" + grade + "), priority tier " + a.priority + "\n";
    if (a.members.length) {
      lines += "Drawn and placed together with " + a.members.join(", ") + " as one unit, ticket id " +
        debug(drawId) + " (twins or siblings)\n";
    }
    if (a.zone !== null && a.zone_source === "registry") {
      lines += "Zone (学区): " + a.zone + ", as recorded by the registry (zone column)\n";
    } else if (a.zone !== null) {
      lines += "Zone (学区): " + a.zone + ", found from the home location (the zone covering it)\n";
    } else {
      lines += "Zone (学区): none\n";
    }
    lines += "Lottery seed: " + debug(data.seed) + "\n  its SHA-256 commitment: " + data.seed_commitment + "\n";
    var last = "", mismatch = 0;
    a.draws.forEach(function (row, i) {
      var d = { label: row[0], school: row[1], priority: row[2], published: row[3], rank: row[4],
        admitted: row[5] === 1, seats: row[6], choice: row[7] };
      var t = tickets[i];
      if (t !== d.published) mismatch++;
      var stage = stageOf(d.label, d.school);
      if (stage !== last) { lines += "\n" + (TITLES[stage] || "Stage") + "\n"; last = stage; }
      var drawn = data.drawn[d.label + "|" + d.school] || 0;
      var school = data.schools[d.school];
      var cutoff = school && school.cutoff_priority !== null && school.cutoff_ticket !== null ?
        [school.cutoff_priority, school.cutoff_ticket] : null;
      if (d.school === "") {
        lines += "  District order: " + ordinal(d.rank) + " of " + drawn + " waiting (" + d.seats +
          " seats free at the start)\n";
      } else {
        var choice = d.choice === null ? "" : " — " + ordinal(d.choice) + " choice";
        lines += "  " + d.school + " " + (school ? school.name : "") + choice + "\n";
        lines += "    " + d.seats + " seats; ranked " + d.rank + " of " + drawn +
          " applicants in (priority, ticket) order\n";
        if (cutoff) lines += "    cut-off: priority tier " + cutoff[0] + ", ticket " + cutoff[1].slice(0, 12) + "…\n";
      }
      lines += "    ticket " + t + " (priority tier " + d.priority + ", label " + debug(d.label) + ", id " +
        debug(drawId) + ")\n";
      lines += "    recompute: printf '%s\\n%s\\n%s' " + quote(data.seed) + " " + quote(d.label) + " " +
        quote(drawId) + " | sha256sum\n";
      lines += "    " + verdict(stage, d, t, cutoff, a.members.length + 1, a.reason) + "\n";
    });
    lines += "\n";
    if (a.school === "") {
      lines += "Outcome: no seat (unplaced, reason " + (a.reason || "") +
        "); the district must place this child by hand.\n";
    } else {
      var name = data.schools[a.school] ? data.schools[a.school].name : "";
      lines += "Outcome: " + a.school + " " + name + ", placed in the " + a.stage.replace(/_/g, " ") +
        " stage, about " + (a.distance === null ? "?" : a.distance) + " m from home (rounded to 100 m), class " +
        (a.class_no === null ? "?" : a.class_no) + " (分班)\n";
    }
    var message = mismatch === 0 ?
      "Every ticket above was computed in this browser from the seed, the label and the id, and matches the published lottery transcript." :
      mismatch + " ticket(s) computed here differ from the published lottery transcript: the transcript is not the one this seed gives.";
    finish(mismatch === 0 ? "found" : "mismatch", lines, message);
  }

  function lookup(typed) {
    var id = typed.trim();
    if (!id) return;
    if (!window.crypto || !crypto.subtle) {
      finish("error", "", "This browser cannot compute SHA-256 here (Web Crypto is unavailable); " +
        "use the commands in the section below.");
      return;
    }
    var key = data.masked ? sha256(data.seed + "\nmask\n" + id).then(function (h) { return h.slice(0, 16); }) :
      Promise.resolve(id);
    key.then(function (k) {
      var a = data.applicants[k];
      if (!a) {
        finish("missing", "", "No applicant " + id + " in this round. Check the id as registered.");
        return;
      }
      var drawId = a.draw || id;
      return Promise.all(a.draws.map(function (d) { return ticket(d[0], drawId); })).then(function (tickets) {
        explain(id, a, tickets);
      });
    }).catch(function (e) { finish("error", "", "The look-up failed: " + ((e && e.message) || e)); });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); lookup(input.value); });
  var m = /^#id=(.*)$/.exec(location.hash);
  if (m) {
    input.value = decodeURIComponent(m[1]);
    lookup(input.value);
  }
})();
