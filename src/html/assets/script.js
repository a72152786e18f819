(function () {
  "use strict";
  var body = document.body;
  window.addEventListener("error", function (e) { body.setAttribute("data-error", String(e.message)); });
  try {
    init();
    body.setAttribute("data-ready", "1");
  } catch (e) {
    body.setAttribute("data-error", String((e && e.message) || e));
  }

  function init() {
    sortableTables();
    var sec = document.getElementById("mapsec");
    // Only the report has an interactive map.
    if (!sec) return;
    var svg = document.getElementById("map");
    var info = document.getElementById("mapinfo");
    var data = JSON.parse(document.getElementById("report-data").textContent);
    // The SVG namespace, read from the map (no URL written in the page).
    var NS = svg ? svg.namespaceURI : null;
    var pinned = -1;
    var level = sec.getAttribute("data-level");
    var fit = null, vb = null;

    function each(list, f) { for (var i = 0; i < list.length; i++) f(list[i], i); }
    function levelGroup() { return svg.querySelector(".lvl-" + level); }

    function setLevel(next) {
      level = next;
      sec.setAttribute("data-level", level);
      each(sec.querySelectorAll("button[data-level]"), function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-level") === level));
      });
      if (pinned >= 0 && data.levels[data.schools[pinned].l] !== level) { pinned = -1; clear(); }
      if (svg) { fitLevel(); }
    }
    each(sec.querySelectorAll("button[data-level]"), function (b) {
      b.addEventListener("click", function () { setLevel(b.getAttribute("data-level")); });
    });
    if (!svg) return;
    info.setAttribute("data-default", info.textContent);

    // Selection: lines from a school's pupils' homes to the school.
    function clear() {
      each(svg.querySelectorAll(".sel-layer"), function (l) { l.textContent = ""; });
      each(svg.querySelectorAll(".school.sel"), function (s) { s.classList.remove("sel"); });
      svg.classList.remove("has-sel");
      info.textContent = info.getAttribute("data-default");
      info.classList.remove("active");
    }
    function addPath(layer, cls, d) {
      var p = document.createElementNS(NS, "path");
      p.setAttribute("class", cls);
      p.setAttribute("d", d);
      layer.appendChild(p);
    }
    function show(i) {
      clear();
      var s = data.schools[i];
      if (!s) return;
      var layer = document.getElementById("sel-" + data.levels[s.l]);
      var lines = [], dots = [], n = 0;
      for (var j = 0; j + 2 < s.p.length; j += 3) {
        var st = s.p[j + 2];
        lines.push("M" + s.x + " " + s.y + "L" + s.p[j] + " " + s.p[j + 1]);
        dots[st] = (dots[st] || "") + "M" + s.p[j] + " " + s.p[j + 1] + "h0";
        n++;
      }
      if (layer) {
        if (n) addPath(layer, "sel-lines", lines.join(""));
        for (var k = 0; k < dots.length; k++) if (dots[k]) addPath(layer, "homes sel-dots st" + k, dots[k]);
      }
      var el = svg.querySelector('.school[data-s="' + i + '"]');
      if (el) el.classList.add("sel");
      svg.classList.add("has-sel");
      info.textContent = s.t + (pinned === i ? " — tap the school again or press Esc to clear." : "");
      info.classList.add("active");
    }
    function pin(i) {
      pinned = i;
      if (i >= 0) show(i); else clear();
      try {
        var url = location.pathname + location.search + (i >= 0 ? "#school=" + encodeURIComponent(data.schools[i].id) : "");
        history.replaceState(null, "", url);
      } catch (e) { /* file: URLs may refuse; the selection still works */ }
    }

    // Zoom and pan by changing the viewBox inside the level's frame.
    function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
    function apply() {
      vb.w = clamp(vb.w, fit.w / 64, fit.w);
      vb.h = vb.w * fit.h / fit.w;
      vb.x = clamp(vb.x, fit.x, fit.x + fit.w - vb.w);
      vb.y = clamp(vb.y, fit.y, fit.y + fit.h - vb.h);
      svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(Math.round).join(" "));
      svg.classList.toggle("zoomed", vb.w < fit.w - 1);
    }
    function fitLevel() {
      var g = levelGroup();
      var f = (g ? g.getAttribute("data-fit") : svg.getAttribute("viewBox")).split(" ").map(Number);
      fit = { x: f[0], y: f[1], w: f[2], h: f[3] };
      vb = { x: fit.x, y: fit.y, w: fit.w, h: fit.h };
      apply();
      layoutLabels();
    }
    function zoom(f) {
      var cx = vb.x + vb.w / 2, cy = vb.y + vb.h / 2;
      vb.w = vb.w / f;
      vb.h = vb.w * fit.h / fit.w;
      vb.x = cx - vb.w / 2;
      vb.y = cy - vb.h / 2;
      apply();
      layoutLabels();
    }
    each(sec.querySelectorAll("button[data-zoom]"), function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-zoom");
        if (what === "in") zoom(2); else if (what === "out") zoom(0.5); else fitLevel();
      });
    });
    var drag = null, moved = false;
    svg.addEventListener("pointerdown", function (e) {
      moved = false;
      if (!svg.classList.contains("zoomed")) return;
      drag = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, k: vb.w / svg.getBoundingClientRect().width };
    });
    window.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
      if (!moved) return;
      vb.x = drag.vx - dx * drag.k;
      vb.y = drag.vy - dy * drag.k;
      apply();
    });
    function endDrag() { if (drag && moved) layoutLabels(); drag = null; }
    window.addEventListener("pointerup", endDrag);
    window.addEventListener("pointercancel", endDrag);
    var resizeTimer = 0;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(layoutLabels, 150);
    });

    // Zone labels: 12 px on screen, inside their zone, clear of each other
    // and of schools; a label with no free place is hidden.
    function layoutLabels() {
      var g = levelGroup();
      var labels = g ? g.querySelector(".zlabels") : null;
      if (!labels) return;
      var width = svg.getBoundingClientRect().width;
      if (!(width > 0)) return;
      var k = vb.w / width;
      labels.style.fontSize = (12 * k) + "px";
      labels.style.strokeWidth = (3 * k) + "px";
      var taken = [];
      each(g.querySelectorAll(".school"), function (s) {
        if (s.tagName === "circle") {
          var r = Number(s.getAttribute("r")), cx = Number(s.getAttribute("cx")), cy = Number(s.getAttribute("cy"));
          taken.push([cx - r, cy - r, cx + r, cy + r]);
        } else {
          var x = Number(s.getAttribute("x")), y = Number(s.getAttribute("y"));
          taken.push([x, y, x + Number(s.getAttribute("width")), y + Number(s.getAttribute("height"))]);
        }
      });
      // School labels keep 11 px on screen; their places, chosen at the
      // fitted view, only get roomier when zoomed in.
      var slabels = g.querySelector(".slabels");
      if (slabels) {
        slabels.style.fontSize = (11 * k) + "px";
        slabels.style.strokeWidth = (3 * k) + "px";
        each(slabels.querySelectorAll("text"), function (t) {
          var b = t.getBBox();
          taken.push([b.x, b.y, b.x + b.width, b.y + b.height]);
        });
      }
      var pad = 2 * k;
      function free(b) {
        for (var i = 0; i < taken.length; i++) {
          var t = taken[i];
          if (b[0] < t[2] + pad && b[2] + pad > t[0] && b[1] < t[3] + pad && b[3] + pad > t[1]) return false;
        }
        return true;
      }
      function inside(zone, b) {
        if (!zone || !zone.isPointInFill || typeof DOMPoint === "undefined") return true;
        var pts = [[b[0], b[1]], [b[2], b[1]], [b[0], b[3]], [b[2], b[3]]];
        for (var i = 0; i < pts.length; i++) if (!zone.isPointInFill(new DOMPoint(pts[i][0], pts[i][1]))) return false;
        return true;
      }
      var texts = labels.querySelectorAll("text"), later = [];
      function place(t, needInside, small) {
        t.style.display = "";
        t.style.fontSize = (small ? 10 : 12) * k + "px";
        var c = t.getAttribute("data-c").split(" ").map(Number);
        t.setAttribute("x", c[0]);
        t.setAttribute("y", c[1]);
        var bb = t.getBBox(), w = bb.width, h = bb.height;
        var zone = document.getElementById(t.getAttribute("data-z"));
        for (var i = 0; i + 1 < c.length; i += 2) {
          var b = [c[i] - w / 2, c[i + 1] - h / 2, c[i] + w / 2, c[i + 1] + h / 2];
          if (free(b) && (!needInside || inside(zone, b))) {
            t.setAttribute("x", c[i]);
            t.setAttribute("y", c[i + 1]);
            taken.push(b);
            return true;
          }
        }
        t.style.display = "none";
        return false;
      }
      each(texts, function (t) { if (!place(t, true, false)) later.push(t); });
      each(later, function (t) { place(t, true, true) || place(t, false, false) || place(t, false, true); });
    }

    function schoolOf(target) {
      var el = target && target.closest ? target.closest(".school") : null;
      return el ? Number(el.getAttribute("data-s")) : -1;
    }
    svg.addEventListener("mouseover", function (e) {
      var i = schoolOf(e.target);
      if (i >= 0 && pinned < 0) show(i);
    });
    svg.addEventListener("mouseout", function (e) {
      if (schoolOf(e.target) >= 0 && pinned < 0) clear();
    });
    svg.addEventListener("click", function (e) {
      if (moved) { moved = false; return; }
      var i = schoolOf(e.target);
      pin(i >= 0 && pinned !== i ? i : -1);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && pinned >= 0) pin(-1);
    });
    function select(i) {
      var s = data.schools[i];
      if (!s) return;
      setLevel(data.levels[s.l]);
      pin(i);
    }
    each(document.querySelectorAll(".pick[data-s]"), function (b) {
      b.addEventListener("click", function () {
        select(Number(b.getAttribute("data-s")));
        sec.scrollIntoView({ block: "start" });
      });
    });

    fitLevel();
    // report.html#school=<id> opens with that school selected.
    var m = /^#school=(.+)$/.exec(location.hash);
    if (m) {
      var id = decodeURIComponent(m[1]);
      for (var i = 0; i < data.schools.length; i++) if (data.schools[i].id === id) { select(i); break; }
    }
  }

  function sortableTables() {
    var tables = document.querySelectorAll("table.sortable");
    for (var t = 0; t < tables.length; t++) {
      var heads = tables[t].tHead.rows[0].cells;
      for (var c = 0; c < heads.length; c++) heads[c].addEventListener("click", sorter(tables[t], c));
    }
  }
  function sorter(table, col) {
    return function () {
      var heads = table.tHead.rows[0].cells, th = heads[col];
      var numeric = th.hasAttribute("data-num");
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      for (var h = 0; h < heads.length; h++) heads[h].setAttribute("aria-sort", "none");
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var body = table.tBodies[0];
      var keyed = Array.prototype.map.call(body.rows, function (row, i) {
        var cell = row.cells[col];
        var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
        if (numeric) {
          v = parseFloat(String(v).replace(/,/g, ""));
          if (isNaN(v)) v = -Infinity;
        }
        return { row: row, key: v, i: i };
      });
      keyed.sort(function (a, b) {
        if (a.key < b.key) return -dir;
        if (a.key > b.key) return dir;
        return a.i - b.i;
      });
      for (var i = 0; i < keyed.length; i++) body.appendChild(keyed[i].row);
    };
  }
})();
