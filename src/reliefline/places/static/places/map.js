/* The situation map: settlements and registered layers drawn from GeoJSON.
 * Configured by the page's <script type="application/json" id="map-config">; no
 * inline script (CSP). Circles and lines are SVG, so the data shows with no tiles. */
(function () {
  "use strict";

  var COLOURS = {ok: "#1a7f37", warn: "#b35900", bad: "#c62828", info: "#1f5fa8", muted: "#8a8a8a"};

  function tone(feature) {
    var value = feature.properties && feature.properties.tone;
    return COLOURS[value] ? value : "info";
  }

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = properties.title || "";
    box.appendChild(title);
    var list = document.createElement("ul");
    (properties.details || []).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function pathStyle(feature) {
    var name = tone(feature);
    if (feature.geometry && feature.geometry.type === "Point") {
      return {
        radius: feature.properties.size || 7,
        color: "#222",
        weight: 1,
        fillColor: COLOURS[name],
        fillOpacity: 0.85,
        className: "map-point tone-" + name
      };
    }
    return {color: COLOURS[name], weight: 4, className: "map-line tone-" + name};
  }

  function geoLayer(data) {
    // L.geoJSON applies `style` to circle markers too, so both share pathStyle.
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, pathStyle(feature));
      },
      style: pathStyle,
      onEachFeature: function (feature, layer) {
        layer.bindPopup(popup(feature.properties || {}));
        if (feature.properties && feature.properties.title) {
          layer.bindTooltip(feature.properties.title);
        }
      }
    });
  }

  function start() {
    var element = document.getElementById("situation-map");
    var source = document.getElementById("map-config");
    var status = document.getElementById("map-status");
    if (!element || !source || !window.L) {
      return;
    }
    var config = JSON.parse(source.textContent);
    var map = L.map(element).setView(config.center, config.zoom);
    if (config.tiles) {
      L.tileLayer(config.tiles, {attribution: config.attribution, maxZoom: 18}).addTo(map);
    }
    var overlays = {};
    var control = L.control.layers(null, overlays, {collapsed: false}).addTo(map);
    var loaded = 0;

    function load(url, title, fit) {
      return fetch(url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
        .then(function (response) {
          if (!response.ok) {
            throw new Error(title + ": " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          var layer = geoLayer(data).addTo(map);
          control.addOverlay(layer, title);
          if (fit && layer.getBounds().isValid()) {
            map.fitBounds(layer.getBounds(), {padding: [20, 20], maxZoom: 11});
          }
          loaded += data.features.length;
          element.setAttribute("data-features", String(loaded));
        })
        .catch(function (error) {
          if (status) {
            status.textContent = String(error.message || error);
          }
        });
    }

    load(config.settlements, config.settlementsTitle, true);
    (config.layers || []).forEach(function (layer) {
      load(layer.url, layer.title, false);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
