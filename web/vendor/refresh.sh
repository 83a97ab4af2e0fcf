#!/usr/bin/env bash
# Refresh the vendored ml5.min.js from the npm lock (web/package-lock.json pins ml5 0.12.2):
#   web/vendor/refresh.sh
# installs the locked packages, copies dist/ml5.min.js and its license here and re-hashes it.
# rhymer/website.py checks the copy against ML5_SHA256 at export; a new hash must be put there too.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
cp node_modules/ml5/dist/ml5.min.js vendor/ml5.min.js
cp node_modules/ml5/LICENSE.md vendor/ml5.LICENSE.md
(cd vendor && sha256sum ml5.min.js > ml5.min.js.sha256)
recorded=$(grep -o '^ML5_SHA256 = "[0-9a-f]*"' ../rhymer/website.py | cut -d'"' -f2)
actual=$(cut -d' ' -f1 vendor/ml5.min.js.sha256)
if [ "$recorded" != "$actual" ]; then
  echo "vendor/ml5.min.js sha256 is $actual but rhymer/website.py expects $recorded; update ML5_SHA256" >&2
  exit 1
fi
echo "vendor/ml5.min.js: ml5 $(node -p 'require("./node_modules/ml5/package.json").version'), sha256 $actual"
