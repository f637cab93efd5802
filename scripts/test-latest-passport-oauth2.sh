#!/usr/bin/env bash
# Runs the test suite against the newest passport-oauth2 (CI runs it after `npm test`).
# package.json pins passport-oauth2 to the minor line it is tested with (~1.8.0), because
# WhopStrategy relies on OAuth2Strategy internals (_stateStore, _loadUserProfile, _oauth2); this
# catches a release that changes them before users can be offered it. The newest version is
# installed in a temporary folder and swapped into node_modules for the run; the locked copy is put
# back on exit, whatever happens, so the tree is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

locked=$(node -p "require('./node_modules/passport-oauth2/package.json').version")
latest=$(npm view passport-oauth2 version)
work=$(mktemp -d)
restore() {
  if [ -d "$work/locked" ]; then
    rm -rf node_modules/passport-oauth2
    mv "$work/locked" node_modules/passport-oauth2
  fi
  rm -rf "$work"
}
trap restore EXIT

# Nested: its own dependencies come along inside its folder.
echo '{ "private": true }' >"$work/package.json"
npm install --prefix "$work" --install-strategy=nested --ignore-scripts --no-audit --no-fund \
  "passport-oauth2@$latest" >/dev/null
[ -f dist/index.cjs ] || npm run build
mv node_modules/passport-oauth2 "$work/locked"
cp -R "$work/node_modules/passport-oauth2" node_modules/passport-oauth2

echo "The suite against passport-oauth2 $latest (package-lock.json has $locked):"
npx mocha 'test/**/*.test.ts'
