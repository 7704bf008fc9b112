#!/usr/bin/env bash
# Copy the front-end files the desk uses from the npm registry (versions pinned in package.json and
# package-lock.json) into server/static/vendor, which is committed: `pip install` needs no Node.
#   cd frontend && npm ci && ./vendor.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
OUT=../server/static/vendor
rm -rf "$OUT" && mkdir -p "$OUT/leaflet/images" "$OUT/htmx" "$OUT/leaflet.markercluster"
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE "$OUT/htmx/"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/LICENSE "$OUT/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$OUT/leaflet/images/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
   node_modules/leaflet.markercluster/MIT-LICENCE.txt "$OUT/leaflet.markercluster/"
node -e 'const l=require("./package-lock.json").packages; for (const [k,v] of Object.entries(l)) if (k) console.log(k.replace("node_modules/",""), v.version, v.integrity)' > "$OUT/VERSIONS"
cat "$OUT/VERSIONS"
