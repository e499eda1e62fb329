// Draws the plots of an edx report with uPlot (inlined before this script).
// The data is the JSON of <script id="edx-data">: {"plots": {id: spec}, "shared": {key: value}}.
// Each <div data-plot-id> gets its plot; once drawn it carries data-points (the
// number of data points on screen), or data-error when it could not be drawn,
// so a headless browser can tell an empty page from a drawn one.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("edx-data").textContent);
  var COLOURS = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"];

  function width(el) { return Math.max(400, Math.min(1060, el.clientWidth || 900)); }

  // The sweeps of a recording: 16-bit counts (little-endian, base64) and one scale.
  var decoded = {};
  function sweeps(key) {
    if (decoded[key]) return decoded[key];
    var s = data.shared[key];
    var bin = atob(s.counts_base64);
    var n = bin.length >> 1;
    var counts = new Int16Array(n);
    for (var i = 0; i < n; i++) {
      var u = bin.charCodeAt(2 * i) | (bin.charCodeAt(2 * i + 1) << 8);
      counts[i] = u > 32767 ? u - 65536 : u;
    }
    decoded[key] = { meta: s, counts: counts };
    return decoded[key];
  }

  // Labelled lines drawn after the series: vertical at x values (cursors,
  // markers) or horizontal at y values (levels), in the plot's pixels.
  function lines(list, vertical) {
    return function (u) {
      var ctx = u.ctx, dpr = devicePixelRatio, box = u.bbox;
      ctx.save();
      ctx.font = Math.round(11 * dpr) + "px sans-serif";
      ctx.textAlign = "left";  // uPlot leaves the alignment of its last axis label behind
      ctx.textBaseline = "alphabetic";
      list.forEach(function (l, k) {
        var at = Math.round(vertical ? u.valToPos(l.x, "x", true) : u.valToPos(l.y, "y", true));
        if (vertical && (at < box.left || at > box.left + box.width)) return;
        ctx.strokeStyle = l.colour;
        ctx.fillStyle = l.colour;
        ctx.lineWidth = dpr * (vertical ? (l.width || 1.5) : 1);
        ctx.setLineDash(vertical ? (l.dash ? [6 * dpr, 4 * dpr] : []) : [4 * dpr, 4 * dpr]);
        ctx.beginPath();
        if (vertical) {
          ctx.moveTo(at, box.top);
          ctx.lineTo(at, box.top + box.height);
        } else {
          ctx.moveTo(box.left, at);
          ctx.lineTo(box.left + box.width, at);
        }
        ctx.stroke();
        if (vertical) ctx.fillText(l.label, at + 3 * dpr, box.top + (12 + 12 * (k % 4)) * dpr);
        else ctx.fillText(l.label, box.left + 4 * dpr, at - 3 * dpr);
      });
      ctx.restore();
    };
  }
  function verticalLines(list) { return lines(list, true); }
  function horizontalLines(list) { return lines(list, false); }

  var builders = {};

  // The mean of the sweeps used and one chosen sweep, with the latency cursors.
  builders["h-waveforms"] = function (el, spec) {
    var sw = sweeps(spec.sweeps), m = sw.meta, c = sw.counts, F = m.frames, N = m.sweep_count;
    var bad = m.non_finite_count, excluded = {};
    (spec.excluded_sweeps || []).forEach(function (k) { excluded[k] = true; });
    var t = new Array(F), mean = new Array(F), sum = new Float64Array(F), used = new Float64Array(F);
    for (var k = 0; k < N; k++) {
      if (excluded[k]) continue;
      var off = k * F;
      for (var i = 0; i < F; i++) {
        var v = c[off + i];
        if (v !== bad) { sum[i] += v; used[i] += 1; }
      }
    }
    for (var i2 = 0; i2 < F; i2++) {
      t[i2] = i2 * 1000 / m.sample_rate_hz - m.pre_trigger_ms;
      mean[i2] = used[i2] > 0 ? sum[i2] / used[i2] * m.scale : null;
    }
    function oneSweep(k) {
      var out = new Array(F), off = k * F;
      for (var i = 0; i < F; i++) out[i] = c[off + i] === bad ? null : c[off + i] * m.scale;
      return out;
    }
    var controls = document.createElement("div");
    controls.className = "controls";
    controls.innerHTML = 'sweep <input type="range" min="0" max="' + (N - 1) + '" value="0"> <span>1 of ' + N + "</span>";
    el.parentNode.insertBefore(controls, el);
    // M red, H green, the expected H latency purple and dashed; peaks thinner than onsets.
    var lines = spec.cursors.map(function (cu) {
      var colour = /^expected/.test(cu.label) ? "#8e44ad" : /^M/.test(cu.label) ? "#c0392b" : "#2e8b57";
      return { x: cu.ms, label: cu.label + " " + cu.ms.toFixed(2) + " ms", colour: colour,
               dash: /expected/.test(cu.label), width: /peak/.test(cu.label) ? 1 : 1.5 };
    });
    var u = new uPlot({
      width: width(el), height: 320,
      title: m.recording + ": mean and one sweep",
      scales: { x: { time: false } },
      axes: [{ label: "time after stimulus (ms)" }, { label: m.units }],
      series: [{ label: "ms" },
               { label: "mean of sweeps used", stroke: COLOURS[0], width: 2 },
               { label: "sweep", stroke: "#999", width: 1 }],
      hooks: { draw: [verticalLines(lines)] }
    }, [t, mean, oneSweep(0)], el);
    var input = controls.querySelector("input"), shown = controls.querySelector("span");
    input.addEventListener("input", function () {
      var k = +input.value;
      shown.textContent = (k + 1) + " of " + N + (excluded[k] ? " (excluded from the analysis)" : "");
      u.setData([t, mean, oneSweep(k)], false);
    });
    return 2 * F;
  };

  // Every sweep end to end: min/max per pixel of the visible range, recomputed
  // from the full data on every zoom, so zooming in reaches every sample.
  builders["h-sweeps"] = function (el, spec) {
    var sw = sweeps(spec.sweeps), m = sw.meta, c = sw.counts, F = m.frames, N = m.sweep_count, total = c.length;
    var bad = m.non_finite_count;
    function decimate(x0, x1, pixels) {
      var i0 = Math.max(0, Math.floor(x0 * F)), i1 = Math.min(total, Math.ceil(x1 * F) + 1);
      var xs = [0], ys = [c[0] === bad ? null : c[0] * m.scale];  // the ends keep the full range for zooming out
      var n = i1 - i0;
      full = n <= 2 * pixels;
      if (full) {
        for (var i = Math.max(i0, 1); i < Math.min(i1, total - 1); i++) {
          xs.push(i / F);
          ys.push(c[i] === bad ? null : c[i] * m.scale);
        }
      } else {
        var per = n / pixels;
        for (var b = 0; b < pixels; b++) {
          var a = i0 + Math.floor(b * per), e = Math.min(i1, i0 + Math.floor((b + 1) * per));
          var lo = 32767, hi = -32768, any = false;
          for (var j = a; j < e; j++) {
            var v = c[j];
            if (v === bad) continue;
            any = true;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          xs.push(a / F, a / F);
          ys.push(any ? lo * m.scale : null, any ? hi * m.scale : null);
        }
      }
      xs.push(total / F);
      ys.push(c[total - 1] === bad ? null : c[total - 1] * m.scale);
      return [xs, ys];
    }
    var busy = false, ready = false, full = false;
    var u = new uPlot({
      width: width(el), height: 260,
      title: m.recording + ": all " + N + " sweeps",
      scales: { x: { time: false } },
      axes: [{ label: "sweep number (each sweep " + (F * 1000 / m.sample_rate_hz).toFixed(0) + " ms)" }, { label: m.units }],
      series: [{ label: "sweep" }, { label: "signal (min/max per pixel)", stroke: COLOURS[0], width: 1 }],
      hooks: {
        // uPlot draws (and is ready) after this script's own tasks may have
        // run: a zoom asked for before then (a #zoom link) is applied here.
        ready: [function (u) {
          ready = true;
          el.edxReady = true;
          if (el.edxZoom) {
            var z = el.edxZoom;
            el.edxZoom = null;
            u.setScale("x", z);
          }
        }],
        setScale: [function (u, key) {
          if (key !== "x" || busy || !ready) return;
          busy = true;
          var d = decimate(u.scales.x.min, u.scales.x.max, Math.round(u.bbox.width / devicePixelRatio));
          u.setData(d, false);
          el.setAttribute("data-points", d[0].length);
          el.setAttribute("data-resolution", full ? "every sample" : "min-max per pixel");
          busy = false;
        }]
      }
    }, decimate(0, N, width(el)), el);
    el.setAttribute("data-resolution", full ? "every sample" : "min-max per pixel");
    el.edxPlot = u;
    return u.data[0].length;
  };

  // The H latency of each sweep against time, coloured by its role; the position markers; the two latencies.
  builders["fair-time-course"] = function (el, spec) {
    var roles = [], byRole = {};
    spec.role.forEach(function (r) { var k = r || "other"; if (!(k in byRole)) { byRole[k] = roles.length; roles.push(k); } });
    var series = roles.map(function () { return []; });
    var n = 0;
    spec.time_s.forEach(function (t, i) {
      var k = byRole[spec.role[i] || "other"];
      roles.forEach(function (_, j) { series[j].push(j === k ? spec.h_latency_ms[i] : null); });
      if (spec.h_latency_ms[i] !== null) n++;
    });
    var lines = spec.markers.map(function (mk) {
      var fair = mk.position === "fair";
      return { x: mk.time_s, label: (fair ? "FAIR marker" : "position=" + mk.position) + " @ " + mk.time_s.toFixed(1) + " s",
               colour: fair ? "#c0392b" : "#555", width: fair ? 2.5 : 1.2 };
    });
    var levels = [];
    if (spec.anatomic_latency_ms !== null) levels.push({ y: spec.anatomic_latency_ms, label: "anatomic " + spec.anatomic_latency_ms.toFixed(2) + " ms", colour: COLOURS[0] });
    if (spec.fair_latency_ms !== null) {
      var d = spec.delay_ms !== null ? " (delay " + spec.delay_ms.toFixed(2) + " ms" +
        (spec.delay_ci95_ms ? ", 95% CI " + spec.delay_ci95_ms[0].toFixed(2) + " to " + spec.delay_ci95_ms[1].toFixed(2) : "") + ")" : "";
      levels.push({ y: spec.fair_latency_ms, label: "FAIR " + spec.fair_latency_ms.toFixed(2) + " ms" + d, colour: "#c0392b" });
    }
    var colourOf = { anatomic: COLOURS[0], fair: "#c0392b" };
    new uPlot({
      width: width(el), height: 320,
      title: "H latency time course",
      scales: { x: { time: false } },
      axes: [{ label: "time (s)" }, { label: "H onset latency (ms)" }],
      series: [{ label: "s" }].concat(roles.map(function (r, j) {
        return { label: r, stroke: colourOf[r] || COLOURS[2 + j % 5], width: 0, paths: function () { return null; },
                 points: { show: true, size: 7, fill: colourOf[r] || COLOURS[2 + j % 5] } };
      })),
      hooks: { draw: [verticalLines(lines), horizontalLines(levels)] }
    }, [spec.time_s].concat(series), el);
    return n;
  };

  // Posterior mean of each hypothesis as bars, with the 95% interval as whiskers.
  builders["posterior"] = function (el, spec) {
    var x = spec.labels.map(function (_, i) { return i; });
    function whiskers(u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = "#222";
      ctx.lineWidth = 1.5 * devicePixelRatio;
      x.forEach(function (i) {
        var px = u.valToPos(i, "x", true), lo = u.valToPos(spec.ci95_lo[i], "y", true), hi = u.valToPos(spec.ci95_hi[i], "y", true);
        ctx.beginPath();
        ctx.moveTo(px, lo); ctx.lineTo(px, hi);
        ctx.moveTo(px - 6 * devicePixelRatio, lo); ctx.lineTo(px + 6 * devicePixelRatio, lo);
        ctx.moveTo(px - 6 * devicePixelRatio, hi); ctx.lineTo(px + 6 * devicePixelRatio, hi);
        ctx.stroke();
      });
      ctx.restore();
    }
    new uPlot({
      width: width(el), height: 300,
      title: "Posterior probability",
      scales: { x: { time: false, range: [-0.6, x.length - 0.4] }, y: { range: [0, 1] } },
      axes: [{ values: function (u, ticks) { return ticks.map(function (t) { return Number.isInteger(t) ? (spec.labels[t] || "").replace(/_/g, " ") : ""; }); },
               splits: function () { return x; } },
             { label: "probability" }],
      series: [{ label: "hypothesis", value: function (u, v) { return v === null ? "-" : (spec.labels[v] || "").replace(/_/g, " "); } },
               { label: "posterior mean", stroke: COLOURS[0], fill: "rgba(31,95,168,0.45)",
                 paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
      hooks: { draw: [whiskers] }
    }, [x, spec.mean], el);
    return x.length;
  };

  builders["roc"] = function (el, spec) {
    new uPlot({
      width: Math.min(560, width(el)), height: 480,
      title: "ROC curve, AUC " + spec.auc.toFixed(3),
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      axes: [{ label: "1 - specificity" }, { label: "sensitivity" }],
      series: [{ label: "1 - specificity" },
               { label: "sensitivity", stroke: COLOURS[0], width: 2, points: { show: true } },
               { label: "chance", stroke: "#999", dash: [5, 5] }],
      hooks: {}
    }, [spec.false_positive_rate, spec.sensitivity, spec.false_positive_rate.slice()], el);
    return spec.false_positive_rate.length;
  };

  // Points of several groups on one x axis: uPlot wants one sorted x array, so
  // the points are merged and each group's series holds null where the point is another's.
  function merged(groups, xOf, yOf) {
    var pts = [];
    groups.forEach(function (g, j) {
      g.delay_ms.forEach(function (_, i) {
        var x = xOf(g, i, j);
        if (x !== null && x !== undefined) pts.push({ x: x, y: yOf(g, i, j), g: j });
      });
    });
    pts.sort(function (a, b) { return a.x - b.x; });
    var xs = pts.map(function (p) { return p.x; });
    var ys = groups.map(function (_, j) { return pts.map(function (p) { return p.g === j ? p.y : null; }); });
    return { data: [xs].concat(ys), n: pts.length };
  }

  function pointSeries(groups) {
    return groups.map(function (g, j) {
      return { label: g.label, stroke: COLOURS[j % 7], width: 0, paths: function () { return null; },
               points: { show: true, size: 8, fill: COLOURS[j % 7] } };
    });
  }

  // Each subject's delay (x) in the row of its reference diagnosis (y), spread a little so equal values stay visible.
  builders["delay-by-reference"] = function (el, spec) {
    var m = merged(spec.groups, function (g, i) { return g.delay_ms[i]; },
                   function (g, i, j) { return j + 0.3 * (((i * 0.6180339887) % 1) - 0.5); });
    var G = spec.groups.length;
    new uPlot({
      width: width(el), height: 120 + 60 * G,
      title: "FAIR delay by reference diagnosis",
      scales: { x: { time: false }, y: { range: [-0.6, G - 0.4] } },
      axes: [{ label: "FAIR delay (ms)" },
             { size: 160, splits: function () { return spec.groups.map(function (_, j) { return j; }); },
               values: function (u, t) { return t.map(function (v) { return spec.groups[v] ? spec.groups[v].label : ""; }); } }],
      series: [{ label: "delay (ms)" }].concat(pointSeries(spec.groups)),
      hooks: { draw: [verticalLines([{ x: spec.criterion_ms, label: "criterion " + spec.criterion_ms.toFixed(2) + " ms", colour: "#c0392b", dash: true }])] }
    }, m.data, el);
    return m.n;
  };

  builders["delay-vs-duration"] = function (el, spec) {
    var m = merged(spec.groups, function (g, i) { return g.symptom_duration_months[i]; }, function (g, i) { return g.delay_ms[i]; });
    if (m.n === 0) throw new Error("no subject has a symptom duration");
    new uPlot({
      width: width(el), height: 340,
      title: "FAIR delay against symptom duration",
      scales: { x: { time: false } },
      axes: [{ label: "symptom duration (months)" }, { label: "FAIR delay (ms)" }],
      series: [{ label: "months" }].concat(pointSeries(spec.groups))
    }, m.data, el);
    return m.n;
  };

  // A link may open a plot zoomed: page.html#zoom=<plot id>:<x min>:<x max>.
  function zoomFromLink() {
    var m = /zoom=([^:&]+):([-+0-9.eE]+):([-+0-9.eE]+)/.exec(decodeURIComponent(location.hash || ""));
    if (!m) return;
    var el = document.querySelector('[data-plot-id="' + m[1] + '"]');
    if (!el || !el.edxPlot) return;
    var z = { min: +m[2], max: +m[3] };
    if (el.edxReady) el.edxPlot.setScale("x", z);
    else el.edxZoom = z;
  }

  var containers = document.querySelectorAll("[data-plot-id]");
  for (var i = 0; i < containers.length; i++) {
    var el = containers[i], id = el.getAttribute("data-plot-id"), spec = data.plots[id];
    try {
      if (!spec) throw new Error("no data for plot " + id);
      var build = builders[spec.kind];
      if (!build) throw new Error("unknown plot kind " + spec.kind);
      el.setAttribute("data-points", String(build(el, spec)));
    } catch (e) {
      el.setAttribute("data-error", String(e && e.message ? e.message : e));
    }
  }
  setTimeout(zoomFromLink, 0);
})();
