/* Minh Chứng desk: small behaviours over server-rendered pages (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var COLOURS = { received: "#44617b", hasIssues: "#b26a00", edited: "#6b4fa3", approved: "#1e7d3a", rejected: "#b3261e",
                  yes: "#1e7d3a", no: "#b3261e", unscored: "#8a96a3" };
  var LEVEL_STYLE = { province: { color: "#0b5c8e", weight: 3, fill: false },
                      district: { color: "#0b5c8e", weight: 2, dashArray: "6 4", fill: false },
                      commune: { color: "#0b5c8e", weight: 2, fillOpacity: 0.04 },
                      hamlet: { color: "#5b7fa3", weight: 1, dashArray: "3 3", fillOpacity: 0.06 } };

  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* Selects that apply themselves. */
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });

  /* Bulk review: tick rows or photos, then one action for all. */
  function updateBulk() {
    var form = document.querySelector("[data-bulk]");
    if (!form) return;
    var ticked = all('input[type=checkbox][name=instanceId][form="bulk"]:checked').length;
    var counter = form.querySelector("[data-bulk-count]");
    counter.textContent = counter.getAttribute("data-template").replace("{n}", ticked);
    all("button[name=reviewState]", form).forEach(function (button) { button.disabled = ticked === 0; });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      all('input[type=checkbox][name=instanceId][form="bulk"]').forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-select-all], input[name=instanceId]")) updateBulk();
  });
  document.addEventListener("htmx:afterSwap", updateBulk);
  updateBulk();

  /* Keyboard shortcuts: a key clicks the element that names it (never while typing). */
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.matches && target.matches("input, textarea, select, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var viewer = document.querySelector("[data-viewer][open]");
    if (viewer) return;
    var focus = document.querySelector('[data-shortcut-focus="' + event.key + '"]');
    if (focus) { event.preventDefault(); focus.focus(); return; }
    var action = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (action) { event.preventDefault(); action.click(); }
  });

  /* Photo viewer: previous/next through the page's photos, with the submission's link and review buttons. */
  var viewer = document.querySelector("[data-viewer]");
  var current = -1;
  function thumbs() { return all("[data-viewer-src]"); }
  function show(index) {
    var list = thumbs();
    if (!list.length) return;
    current = (index + list.length) % list.length;
    var thumb = list[current];
    viewer.querySelector("[data-viewer-image]").src = thumb.getAttribute("data-viewer-src");
    viewer.querySelector("[data-viewer-image]").alt = thumb.getAttribute("data-viewer-caption") || "";
    viewer.querySelector("[data-viewer-caption]").textContent = thumb.getAttribute("data-viewer-caption") || "";
    viewer.querySelector("[data-viewer-original]").href = thumb.getAttribute("data-original");
    var extra = viewer.querySelector("[data-viewer-extra]");
    extra.textContent = "";
    var link = thumb.getAttribute("data-viewer-link");
    if (link) extra.appendChild(el("a", { href: link, "class": "button" }, viewer.getAttribute("data-open-label")));
    var bulk = document.querySelector("[data-bulk]");
    var instance = thumb.getAttribute("data-viewer-instance");
    if (bulk && instance) {
      var form = el("form", { method: "post", action: bulk.getAttribute("action") });
      form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: document.body.getAttribute("data-csrf") }));
      form.appendChild(el("input", { type: "hidden", name: "instanceId", value: instance }));
      form.appendChild(el("input", { type: "hidden", name: "back", value: location.pathname + location.search }));
      all("button[name=reviewState]", bulk).forEach(function (button) {
        form.appendChild(el("button", { type: "submit", name: "reviewState", value: button.value, "class": button.className }, button.textContent));
      });
      extra.appendChild(form);
    }
  }
  if (viewer) {
    document.addEventListener("click", function (event) {
      var thumb = event.target.closest("[data-viewer-src]");
      if (!thumb) return;
      event.preventDefault();
      show(thumbs().indexOf(thumb));
      if (!viewer.open) viewer.showModal();
    });
    viewer.querySelector("[data-viewer-prev]").addEventListener("click", function () { show(current - 1); });
    viewer.querySelector("[data-viewer-next]").addEventListener("click", function () { show(current + 1); });
    viewer.querySelector("[data-viewer-close]").addEventListener("click", function () { viewer.close(); });
    viewer.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") show(current - 1);
      if (event.key === "ArrowRight") show(current + 1);
    });
  }

  /* Maps: our own boundaries as the base (no tile server unless the operator sets one). */
  function baseMap(node, options) {
    var map = L.map(node, Object.assign({ maxZoom: 19, minZoom: 3, preferCanvas: true, zoomSnap: 0.5 }, options || {}));
    var tiles = node.getAttribute("data-tile-url");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: "" }).addTo(map);
    map.attributionControl.setPrefix("");
    return map;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }
  function boundaryLayer(data, labels) {
    return L.geoJSON(data, {
      style: function (feature) { return LEVEL_STYLE[feature.properties.level] || LEVEL_STYLE.hamlet; },
      onEachFeature: function (feature, layer) {
        if (labels) layer.bindTooltip(feature.properties.name, { permanent: feature.properties.level !== "hamlet", direction: "center", className: "area-label" });
        else layer.bindTooltip(feature.properties.name);
      }
    });
  }

  all("[data-minimap]").forEach(function (node) {
    var lat = parseFloat(node.getAttribute("data-lat")), lon = parseFloat(node.getAttribute("data-lon"));
    var map = baseMap(node);
    var point = L.circleMarker([lat, lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 1 }).addTo(map);
    var accuracy = parseFloat(node.getAttribute("data-accuracy"));
    if (accuracy > 0) L.circle([lat, lon], { radius: accuracy, color: "#b3261e", weight: 1, fillOpacity: 0.1 }).addTo(map);
    map.setView([lat, lon], 15);
    var url = node.getAttribute("data-boundary-url");
    if (url) getJSON(url).then(function (data) {
      var layer = boundaryLayer(data, false).addTo(map);
      if (layer.getLayers().length) map.fitBounds(layer.getBounds().extend(point.getLatLng()), { padding: [20, 20] });
      node.setAttribute("data-ready", "1");
    }).catch(function () { node.setAttribute("data-ready", "1"); });
    else node.setAttribute("data-ready", "1");
  });

  all("[data-map]").forEach(function (node) {
    var labels = JSON.parse(node.getAttribute("data-labels"));
    var map = baseMap(node);
    map.setView([16, 106], 6);
    var areas = null, clusters = null, points = [], colourBy = "state";
    var legend = document.querySelector("[data-legend]");

    function colourOf(point) {
      if (colourBy === "state") return COLOURS[point[4]] || COLOURS.received;
      return point[5] === null ? COLOURS.unscored : (point[5] ? COLOURS.yes : COLOURS.no);
    }
    function popup(point) {
      var box = el("div");
      box.appendChild(el("strong", {}, point[3] || point[2]));
      box.appendChild(el("div", {}, (labels[point[4]] || point[4]) + (point[6] !== null ? " · " + labels.score + " " + point[6] : "")));
      if (point[5] !== null) box.appendChild(el("div", {}, point[5] ? labels.yes : labels.no));
      if (point[8]) box.appendChild(el("div", { "class": "badge flag-" + point[8] }, "⚑ " + labels[point[8]]));
      if (point[7]) box.appendChild(el("img", { "class": "popup-thumb", loading: "lazy", alt: "",
        src: node.getAttribute("data-file-url").replace("__ID__", encodeURIComponent(point[2])).replace("__NAME__", encodeURIComponent(point[7])) }));
      box.appendChild(el("a", { href: node.getAttribute("data-submission-url").replace("__ID__", encodeURIComponent(point[2])) }, labels.open + " ›"));
      return box;
    }
    var flagLayer = null, FLAG_COLOURS = { error: "#b3261e", warning: "#e0a100" };
    function drawFlags() {  // a ring around each flagged submission, over the clusters, in its worst severity
      if (flagLayer) map.removeLayer(flagLayer);
      flagLayer = L.layerGroup(points.filter(function (point) { return point[8]; }).map(function (point) {
        return L.circleMarker([point[0], point[1]], { radius: 11, color: FLAG_COLOURS[point[8]], weight: 3, fill: false, interactive: false });
      }));
      var box = document.querySelector("[data-map-flags]");
      if (!box || box.checked) flagLayer.addTo(map);
    }
    function drawPoints() {
      if (clusters) map.removeLayer(clusters);
      clusters = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50, disableClusteringAtZoom: 18 });
      var markers = points.map(function (point) {
        var marker = L.circleMarker([point[0], point[1]], { radius: 6, color: "#fff", weight: 1.5, fillColor: colourOf(point), fillOpacity: 0.95 });
        marker.bindPopup(function () { return popup(point); });
        return marker;
      });
      clusters.addLayers(markers);
      map.addLayer(clusters);
      drawFlags();
      legend.textContent = "";
      var keys = colourBy === "state" ? ["received", "hasIssues", "edited", "approved", "rejected"] : ["yes", "no", "unscored"];
      keys.forEach(function (key) {
        var item = el("li");
        var dot = el("span", { "class": "dot" });
        dot.style.background = COLOURS[key];
        item.appendChild(dot);
        item.appendChild(document.createTextNode(labels[key]));
        legend.appendChild(item);
      });
      ["error", "warning"].forEach(function (key) {  // the rings of drawFlags
        var item = el("li");
        var ring = el("span", { "class": "dot ring" });
        ring.style.borderColor = FLAG_COLOURS[key];
        item.appendChild(ring);
        item.appendChild(document.createTextNode("⚑ " + labels[key]));
        legend.appendChild(item);
      });
    }
    function loadAreas() {
      var levels = all("[data-map-level]:checked").map(function (box) { return "level=" + box.value; });
      if (areas) { map.removeLayer(areas); areas = null; }
      if (!levels.length) return Promise.resolve();
      return getJSON(node.getAttribute("data-areas-url") + "?" + levels.join("&")).then(function (data) {
        areas = boundaryLayer(data, true).addTo(map);
        areas.bringToBack();
        return areas;
      });
    }
    Promise.all([loadAreas(), getJSON(node.getAttribute("data-points-url"))]).then(function (results) {
      points = results[1].points;
      var counter = document.querySelector("[data-map-count]");
      counter.textContent = counter.getAttribute("data-template").replace("{n}", points.length);
      drawPoints();
      var bounds = points.length ? L.latLngBounds(points.map(function (point) { return [point[0], point[1]]; })) : null;
      if (areas && areas.getLayers().length) bounds = bounds ? bounds.extend(areas.getBounds()) : areas.getBounds();
      if (bounds) map.fitBounds(bounds, { padding: [20, 20] });
      node.setAttribute("data-ready", "1");
    }).catch(function () { node.setAttribute("data-ready", "error"); });
    all("[data-map-colour]").forEach(function (radio) {
      radio.addEventListener("change", function () { colourBy = radio.value; drawPoints(); });
    });
    all("[data-map-level]").forEach(function (box) { box.addEventListener("change", loadAreas); });
    all("[data-map-flags]").forEach(function (box) { box.addEventListener("change", drawFlags); });
  });
})();
