// Maps of the pages, drawn with Leaflet. An element with data-map gets a map:
//   data-tiles     the tile URL template;
//   data-points    JSON [[lat, lon, label, url?], ...] or cards [{id, lat, lon, title, url,
//                  category?, status?, photo?}, ...]: markers, the view fitted to them;
//   data-center    "lat,lon" to start from;
//   data-area      "west,south,east,north": the area to open on when nothing else frames the
//                  view (the space's area, the process's perimeter's box, the instance's area);
//   data-source    a viewport endpoint (`?west&south&east&north&zoom` → {"items": [{lat, lon, id}
//                  or {lat, lon, count}]}): the map then shows what it answers for the visible
//                  area, points and clusters, and data-points only frame the first view;
//   data-pick-lat / data-pick-lon  ids of inputs a tap on the map fills (and a marker shows);
//   data-bounds    "west,south,east,north": ids of inputs the visible area fills as the map
//                  moves (and, when filled, the area shown first);
//   data-draw-area "west,south,east,north": ids of inputs a rectangle drawn on the map fills
//                  (and, when filled, the rectangle drawn and shown first): the
//                  [data-draw-area-start] button of the inputs' form starts a drawing, by
//                  press-drag or by two taps on opposite corners, and [data-draw-area-clear]
//                  empties them; moving the map fills nothing;
//   data-point-label  the text of the link of a live point that has a url;
//   data-legend    the id of the map's legend (the kernel's macro map_legend): a card's marker
//                  takes its category's colour, filled when its status is open and hollow when
//                  closed, and its popup says its title, category and status in the legend's words;
//   data-list      the id of the list of the map's items: each [data-map-point] item of it gets a
//                  button that shows it on the map (its card is the data-points card of that id);
//   data-polygon   JSON [[lat, lon], ...]: an area drawn on the map (a process's perimeter),
//                  the view fitted to it when nothing else frames it;
//   data-draw      the id of a textarea of "lat, lon" lines: each tap on the map adds a point
//                  to it, and the polygon follows (a [data-draw-clear] button empties it);
// a [data-locate] button of the same form asks the device's position, and a [data-place-search]
// block of the same form searches addresses and names the tapped point's. Without JavaScript the
// page keeps its list and its coordinate fields.
(function () {
  "use strict";
  var FRANCE = [46.6, 2.4];
  // The words and colours of a map's legend.
  function legendOf(el) {
    var out = { categories: {}, statuses: {}, statusWord: "", showWord: "" };
    var box = document.getElementById(el.getAttribute("data-legend") || "");
    if (!box) { return out; }
    out.statusWord = box.getAttribute("data-status-word") || "";
    out.showWord = box.getAttribute("data-show-word") || "";
    box.querySelectorAll("[data-legend-category]").forEach(function (li) {
      out.categories[li.getAttribute("data-legend-category")] = { label: li.textContent.trim(), colour: li.getAttribute("data-colour") };
    });
    box.querySelectorAll("[data-legend-status]").forEach(function (li) {
      out.statuses[li.getAttribute("data-legend-status")] = { label: li.textContent.trim(), closed: li.hasAttribute("data-closed") };
    });
    return out;
  }
  function isCard(p) { return p && !Array.isArray(p) && typeof p === "object" && "lat" in p; }
  // A card's marker: its category's colour, filled when open, hollow when closed.
  function markerOf(card, legend) {
    var cat = legend.categories[card.category];
    var st = legend.statuses[card.status];
    var colour = cat ? cat.colour : "#1f4e8c";
    var closed = !!(st && st.closed);
    return L.circleMarker([card.lat, card.lon], {
      radius: 8, weight: closed ? 3 : 1.5, color: closed ? colour : "#222222",
      fillColor: closed ? "#ffffff" : colour, fillOpacity: 1
    });
  }
  // A card's popup: thumbnail, title as a link, category and status in words (built as DOM
  // nodes, so that nothing a visitor typed is read as markup).
  function popupOf(card, legend, fallback) {
    var box = document.createElement("div");
    box.className = "map-card";
    if (card.photo) {
      var img = document.createElement("img");
      img.src = card.photo;
      img.alt = "";
      img.width = 96;
      img.loading = "lazy";
      box.appendChild(img);
    }
    var title = document.createElement("p");
    title.className = "map-card-title";
    if (card.url) {
      var a = document.createElement("a");
      a.href = card.url;
      a.textContent = card.title || fallback || card.url;
      title.appendChild(a);
    } else {
      title.textContent = card.title || "";
    }
    box.appendChild(title);
    var cat = legend.categories[card.category];
    if (cat) {
      var c = document.createElement("p");
      c.className = "map-card-category";
      c.textContent = cat.label;
      box.appendChild(c);
    }
    var st = legend.statuses[card.status];
    if (st) {
      var s = document.createElement("p");
      s.className = "map-card-status";
      s.textContent = legend.statusWord ? legend.statusWord.replace("{status}", st.label) : st.label;
      box.appendChild(s);
    }
    return box;
  }
  function setup(el) {
    if (typeof L === "undefined") { return; }
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: "© OpenStreetMap"
    }).addTo(map);
    var points = [];
    try { points = JSON.parse(el.getAttribute("data-points") || "[]"); } catch (e) { points = []; }
    var legend = legendOf(el);
    var fallback = el.getAttribute("data-point-label") || "";
    var center = (el.getAttribute("data-center") || "").split(",").map(Number);
    var area = (el.getAttribute("data-area") || "").split(",").filter(Boolean).map(Number);
    var home = function () {
      if (area.length === 4 && area.every(isFinite)) {
        map.fitBounds([[area[1], area[0]], [area[3], area[2]]]);
      } else {
        map.setView(FRANCE, 5);
      }
    };
    if (points.length > 0) {
      var bounds = [];
      var source = el.getAttribute("data-source");
      points.forEach(function (p) {
        if (isCard(p)) {
          bounds.push([p.lat, p.lon]);
          if (!source) { markerOf(p, legend).bindPopup(popupOf(p, legend, fallback)).addTo(map); }
          return;
        }
        bounds.push([p[0], p[1]]);
        if (source) { return; }
        var m = L.marker([p[0], p[1]], { title: p[2] || "" }).addTo(map);
        if (p[3]) {
          var a = document.createElement("a");
          a.href = p[3];
          a.textContent = p[2] || p[3];
          m.bindPopup(a);
        }
      });
      map.fitBounds(bounds, { maxZoom: 17, padding: [20, 20] });
    } else if (center.length === 2 && !isNaN(center[0]) && !isNaN(center[1])) {
      map.setView(center, 17);
    } else {
      home();
    }
    var outline = null;
    var drawPolygon = function (ring) {
      if (outline) { map.removeLayer(outline); outline = null; }
      if (ring.length >= 2) { outline = L.polygon(ring, { weight: 2, fillOpacity: 0.05 }).addTo(map); }
    };
    var polygon = [];
    try { polygon = JSON.parse(el.getAttribute("data-polygon") || "[]"); } catch (e) { polygon = []; }
    if (polygon.length >= 3) {
      drawPolygon(polygon);
      if (points.length === 0 && !(center.length === 2 && !isNaN(center[0]))) { map.fitBounds(outline.getBounds()); }
    }
    var drawInput = document.getElementById(el.getAttribute("data-draw") || "");
    if (drawInput) {
      var ringOf = function () {
        return drawInput.value.split("\n").map(function (line) {
          return line.split(/[;,\s]+/).filter(Boolean).map(Number);
        }).filter(function (p) { return p.length === 2 && !isNaN(p[0]) && !isNaN(p[1]); });
      };
      var ring = ringOf();
      drawPolygon(ring);
      if (ring.length >= 2) { map.fitBounds(L.latLngBounds(ring)); }
      map.on("click", function (e) {
        var line = e.latlng.lat.toFixed(6) + ", " + e.latlng.lng.toFixed(6);
        drawInput.value = drawInput.value.trim() ? drawInput.value.trim() + "\n" + line : line;
        drawPolygon(ringOf());
      });
      drawInput.addEventListener("input", function () { drawPolygon(ringOf()); });
      var form = el.closest("form");
      var clear = form && form.querySelector("[data-draw-clear]");
      if (clear) {
        clear.hidden = false;
        clear.addEventListener("click", function () { drawInput.value = ""; drawPolygon([]); });
      }
    }
    var live = el.getAttribute("data-source");
    if (live) {
      var layer = L.layerGroup().addTo(map);
      var refresh = function () {
        var b = map.getBounds();
        var url = live + (live.indexOf("?") >= 0 ? "&" : "?") + "west=" + b.getWest().toFixed(5) + "&south=" + b.getSouth().toFixed(5) +
          "&east=" + b.getEast().toFixed(5) + "&north=" + b.getNorth().toFixed(5) + "&zoom=" + Math.round(map.getZoom());
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
          layer.clearLayers();
          (data.items || []).forEach(function (item) {
            if (item.count) {
              L.circleMarker([item.lat, item.lon], { radius: Math.min(30, 8 + Math.log2(item.count) * 3) })
                .bindTooltip(String(item.count), { permanent: true, direction: "center", className: "cluster-count" })
                .addTo(layer);
            } else if (item.title) {
              markerOf(item, legend).bindPopup(popupOf(item, legend, fallback)).addTo(layer);
            } else {
              var m = L.circleMarker([item.lat, item.lon], { radius: 6 }).addTo(layer);
              if (item.url) {
                var a = document.createElement("a");
                a.href = item.url;
                a.textContent = item.title || el.getAttribute("data-point-label") || item.url;
                m.bindPopup(a);
              }
            }
          });
        }).catch(function () {});
      };
      map.on("moveend", refresh);
      refresh();
    }
    // The list beside the map: each of its items with a card is shown on the map on demand.
    var list = document.getElementById(el.getAttribute("data-list") || "");
    if (list) {
      var cards = {};
      points.forEach(function (p) { if (isCard(p) && p.id) { cards[p.id] = p; } });
      list.querySelectorAll("[data-map-point]").forEach(function (item) {
        var card = cards[item.getAttribute("data-map-point")];
        if (!card) { return; }
        var show = document.createElement("button");
        show.type = "button";
        show.className = "secondary map-show";
        show.textContent = legend.showWord || "Voir sur la carte";
        show.addEventListener("click", function () {
          map.setView([card.lat, card.lon], Math.max(map.getZoom(), 17));
          var content = popupOf(card, legend, fallback);
          L.popup().setLatLng([card.lat, card.lon]).setContent(content).openOn(map);
          el.scrollIntoView({ block: "nearest" });
          // Escape closes the popup and gives the focus back to the list.
          content.addEventListener("keydown", function (e) {
            if (e.key === "Escape") { map.closePopup(); show.focus(); }
          });
          var link = content.querySelector("a");
          if (link) { link.focus({ preventScroll: true }); }
        });
        item.appendChild(show);
      });
    }
    var bounds = (el.getAttribute("data-bounds") || "").split(",").map(function (id) {
      return document.getElementById(id);
    });
    if (bounds.length === 4 && bounds.every(Boolean)) {
      var given = bounds.map(function (input) { return parseFloat(input.value); });
      if (given.every(function (v) { return !isNaN(v); })) {
        map.fitBounds([[given[1], given[0]], [given[3], given[2]]]);
      }
      // Only the reader's own moves choose an area: the first view does not.
      setTimeout(function () {
        map.on("moveend", function () {
          var b = map.getBounds();
          [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].forEach(function (v, i) {
            bounds[i].value = v.toFixed(5);
          });
        });
      }, 0);
    }
    var sides = (el.getAttribute("data-draw-area") || "").split(",").map(function (id) {
      return document.getElementById(id);
    });
    if (sides.length === 4 && sides.every(Boolean)) { drawArea(map, el, sides); }
    var latInput = document.getElementById(el.getAttribute("data-pick-lat") || "");
    var lonInput = document.getElementById(el.getAttribute("data-pick-lon") || "");
    if (latInput && lonInput) {
      var pin = null;
      var place = function (lat, lon, zoom) {
        latInput.value = lat.toFixed(6);
        lonInput.value = lon.toFixed(6);
        if (pin) { pin.setLatLng([lat, lon]); } else { pin = L.marker([lat, lon]).addTo(map); }
        if (zoom) { map.setView([lat, lon], zoom); }
      };
      if (!isNaN(parseFloat(latInput.value)) && !isNaN(parseFloat(lonInput.value))) {
        place(parseFloat(latInput.value), parseFloat(lonInput.value), 17);
      }
      var form = el.closest("form");
      var search = form && form.querySelector("[data-place-search]");
      var addressed = search ? placeSearch(search, map, place) : null;
      map.on("click", function (e) {
        place(e.latlng.lat, e.latlng.lng);
        if (addressed) { addressed.reverse(e.latlng.lat, e.latlng.lng); }
      });
      var locate = form && form.querySelector("[data-locate]");
      if (locate && navigator.geolocation) {
        locate.hidden = false;
        locate.addEventListener("click", function () {
          navigator.geolocation.getCurrentPosition(function (pos) {
            place(pos.coords.latitude, pos.coords.longitude, 18);
            if (addressed) { addressed.reverse(pos.coords.latitude, pos.coords.longitude); }
          });
        });
      }
    }
  }
  // The area of a map ([data-draw-area]): a rectangle drawn with the mouse or a finger, which
  // fills the four inputs `sides` (west, south, east, north). Pointer events, not the map's
  // mouse events: a finger dragging on a phone sends no mouse events until it is lifted.
  function drawArea(map, el, sides) {
    var form = sides[0].form;
    var start = form && form.querySelector("[data-draw-area-start]");
    var clear = form && form.querySelector("[data-draw-area-clear]");
    var box = null;
    var show = function (b) {
      if (!b) {
        if (box) { map.removeLayer(box); box = null; }
      } else if (box) {
        box.setBounds(b);
      } else {
        box = L.rectangle(b, { weight: 2, fillOpacity: 0.1, interactive: false }).addTo(map);
      }
    };
    var read = function () {
      var v = sides.map(function (input) { return parseFloat(input.value); });
      return v.every(isFinite) ? L.latLngBounds([v[1], v[0]], [v[3], v[2]]) : null;
    };
    // The area of the inputs, drawn; the clear button is always there (shown or hidden, it
    // would move the map under a finger drawing on a phone) and disabled without an area.
    var chosen = function () {
      var b = read();
      show(b);
      if (clear) { clear.hidden = false; clear.disabled = !b; }
      return b;
    };
    var given = chosen();
    if (given) { map.fitBounds(given, { padding: [20, 20] }); }
    sides.forEach(function (input) { input.addEventListener("change", chosen); });
    if (!start) { return; }
    // The first corner, where the pointer went down, and whether this press set it (a press-drag
    // ends where it is released; a tap waits for the second corner's tap).
    var corner = null;
    var down = null;
    var first = false;
    var drawing = function () { return start.getAttribute("aria-pressed") === "true"; };
    var stop = function () {
      corner = null;
      start.setAttribute("aria-pressed", "false");
      el.classList.remove("drawing");
      el.style.touchAction = "";
      map.dragging.enable();
      map.doubleClickZoom.enable();
    };
    var begin = function () {
      start.setAttribute("aria-pressed", "true");
      el.classList.add("drawing");
      // The finger draws instead of scrolling the page or moving the map.
      el.style.touchAction = "none";
      map.dragging.disable();
      map.doubleClickZoom.disable();
    };
    start.hidden = false;
    start.addEventListener("click", function () {
      if (drawing()) { stop(); chosen(); } else { begin(); }
    });
    if (clear) {
      clear.addEventListener("click", function () {
        sides.forEach(function (input) { input.value = ""; });
        stop();
        chosen();
      });
    }
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && drawing()) { stop(); chosen(); }
    });
    var at = function (e) { return map.mouseEventToLatLng(e); };
    L.DomEvent.on(el, "pointerdown", function (e) {
      if (!drawing() || !e.isPrimary || e.target.closest(".leaflet-control")) { return; }
      e.preventDefault();
      first = !corner;
      if (first) {
        corner = at(e);
        down = [e.clientX, e.clientY];
        show(L.latLngBounds(corner, corner));
      }
      // A drag released beyond the map still ends there.
      if (el.setPointerCapture) { el.setPointerCapture(e.pointerId); }
    });
    L.DomEvent.on(el, "pointermove", function (e) {
      if (drawing() && corner) { show(L.latLngBounds(corner, at(e))); }
    });
    L.DomEvent.on(el, "pointerup", function (e) {
      if (!drawing() || !corner) { return; }
      var moved = Math.abs(e.clientX - down[0]) + Math.abs(e.clientY - down[1]) > 8;
      if (first && !moved) { return; }
      var b = L.latLngBounds(corner, at(e));
      stop();
      map.closePopup();
      [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].forEach(function (v, i) {
        sides[i].value = v.toFixed(5);
      });
      chosen();
    });
  }
  // The address search of a picking map ([data-place-search], see the kernel's macro
  // place_search): a combobox whose options move the point; a tapped point asks its address.
  // The server answers from the configured geocoder; when it is down, the status says so and
  // the map works by tap alone.
  function placeSearch(box, map, place) {
    var input = box.querySelector("input[role=combobox]");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[data-place-status]");
    var go = box.querySelector("[data-place-go]");
    var msg = function (name) { return box.getAttribute("data-msg-" + name) || ""; };
    var fill = function (name, value) {
      var target = document.getElementById(box.getAttribute("data-fill-" + name) || "");
      if (target) { target.value = value || ""; }
    };
    var fillAll = function (p) {
      fill("label", p ? p.label : "");
      fill("name", p ? p.name : "");
      if (p && p.postcode) { fill("postcode", p.postcode); }
      if (p && p.citycode) { fill("citycode", p.citycode); }
    };
    var places = [];
    var active = -1;
    var asked = 0;
    var close = function () {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    var mark = function (i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      }
    };
    var choose = function (i) {
      var p = places[i];
      if (!p) { return; }
      place(p.lat, p.lon, 18);
      fillAll(p);
      input.value = p.label;
      status.textContent = msg("address").replace("{label}", p.label);
      close();
    };
    var ask = function (url, then) {
      var mine = ++asked;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) { if (mine === asked) { then(data); } })
        .catch(function () { if (mine === asked) { close(); status.textContent = msg("down"); } });
    };
    var run = function () {
      var q = input.value.trim();
      if (q.length < 3) { close(); return; }
      var c = map.getCenter();
      status.textContent = msg("searching");
      ask("/geocoder/search?q=" + encodeURIComponent(q) + "&lat=" + c.lat.toFixed(5) + "&lon=" + c.lng.toFixed(5), function (data) {
        places = data.places || [];
        list.textContent = "";
        if (places.length === 0) { close(); status.textContent = msg("none"); return; }
        places.forEach(function (p, i) {
          var li = document.createElement("li");
          li.id = "place-option-" + i;
          li.setAttribute("role", "option");
          li.setAttribute("aria-selected", "false");
          li.textContent = p.label;
          li.addEventListener("mousedown", function (e) { e.preventDefault(); });
          li.addEventListener("click", function () { choose(i); });
          list.appendChild(li);
        });
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = places.length === 1 ? msg("found-one") : msg("found-many").replace("{n}", String(places.length));
      });
    };
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && places.length > 0;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (open) { mark((active + 1) % places.length); } else { run(); }
      } else if (e.key === "ArrowUp" && open) {
        e.preventDefault();
        mark(active <= 0 ? places.length - 1 : active - 1);
      } else if (e.key === "Enter") {
        // Enter chooses; it never sends the form around the map.
        e.preventDefault();
        if (open) { choose(active < 0 ? 0 : active); } else { clearTimeout(timer); run(); }
      } else if (e.key === "Escape" && open) {
        e.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    go.addEventListener("click", function () { clearTimeout(timer); run(); input.focus(); });
    return {
      reverse: function (lat, lon) {
        fillAll(null);
        // What the reader types meanwhile is never overwritten by the tapped point's address.
        var typed = input.value;
        ask("/geocoder/reverse?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6), function (data) {
          if (data.place) {
            fillAll(data.place);
            if (input.value === typed) { input.value = data.place.label; }
            status.textContent = msg("address").replace("{label}", data.place.label);
          } else {
            status.textContent = msg("no-address");
          }
        });
      }
    };
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(setup);
  });
})();
