// Injected by browser_test.go before </body>. After the page has loaded and
// the charts have drawn, it inspects every chart container and writes the
// results as JSON into a pre element with id selfcheck, which the test reads back from
// chromium --dump-dom.
(function () {
  "use strict";
  // Exact colours the test looks for on the map (see browser_test.go).
  var probes = { unreported: [0xbd, 0xbd, 0xbd], full: [0x22, 0x5e, 0xa8], short: [0xf4, 0x6d, 0x43] };

  function mapFeatureNames() {
    if (!window.echarts || !echarts.getMap) { return null; }
    var m = echarts.getMap("晋中");
    if (!m) { return null; }
    var gj = m.geoJSON || m.geoJson;
    if (!gj || !gj.features) { return []; }
    return gj.features.map(function (f) { return f.properties && f.properties.name; });
  }

  function inspect(el) {
    var r = { id: el.id, instance: false, canvas: false, width: 0, height: 0,
      painted: 0, saturated: 0, probes: {}, series: [], missingRegions: [] };
    var inst = window.echarts && echarts.getInstanceByDom(el);
    if (inst) {
      r.instance = true;
      var opt = inst.getOption();
      r.series = (opt.series || []).map(function (s) {
        return { type: s.type, map: s.map || "", data: (s.data || []).length,
          names: (s.data || []).map(function (d) { return d && d.name; }), nameMap: s.nameMap || null };
      });
    }
    var cv = el.querySelector("canvas");
    if (cv) {
      r.canvas = true;
      r.width = cv.width;
      r.height = cv.height;
      var px = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
      Object.keys(probes).forEach(function (k) { r.probes[k] = 0; });
      for (var i = 0; i < px.length; i += 4) {
        if (px[i + 3] === 0) { continue; }
        r.painted++;
        var mx = Math.max(px[i], px[i + 1], px[i + 2]), mn = Math.min(px[i], px[i + 1], px[i + 2]);
        if (mx - mn > 40) { r.saturated++; }
        for (var k in probes) {
          var c = probes[k];
          if (px[i + 3] === 255 && px[i] === c[0] && px[i + 1] === c[1] && px[i + 2] === c[2]) { r.probes[k]++; }
        }
      }
    }
    return r;
  }

  function run() {
    var out = {
      echarts: window.echarts ? echarts.version : null,
      features: mapFeatureNames(),
      charts: [],
      errors: window.__selfcheckErrors || ["head script not injected"],
      // nothing may be wider than the window (a phone scrolls only down)
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      links: Array.prototype.map.call(document.querySelectorAll("a[href]"), function (a) { return a.getAttribute("href"); })
    };
    var els = document.querySelectorAll("figure.chart div.item[id]");
    for (var i = 0; i < els.length; i++) {
      var r = inspect(els[i]);
      // Every data name must be a region of the map, after nameMap.
      r.series.forEach(function (s) {
        if (s.type !== "map" || !out.features) { return; }
        var shown = out.features.map(function (f) { return (s.nameMap && s.nameMap[f]) || f; });
        s.names.forEach(function (n) { if (shown.indexOf(n) < 0) { r.missingRegions.push(n); } });
      });
      out.charts.push(r);
    }
    var pre = document.createElement("pre");
    pre.id = "selfcheck";
    pre.hidden = true; // in the DOM for --dump-dom, not in the screenshot
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }

  window.addEventListener("load", function () { setTimeout(run, 300); });
})();
