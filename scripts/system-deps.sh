#!/usr/bin/env bash
# Installs the Debian packages the course needs, only those that are missing.
#   dataset-fashion-mnist  the real data set (IDX files under /usr/share/datasets/fashion-mnist)
#   bubblewrap             the sandbox the grader runs each submission in
#   chromium, chromium-driver  the real browser the site tests drive
#   libjs-mathjax          MathJax served with the site, so math renders offline
set -euo pipefail
packages=(dataset-fashion-mnist bubblewrap chromium chromium-driver libjs-mathjax)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "system-deps: install them as root (apt-get install ${missing[*]}), or set FASHION_MNIST_DIR for the data" >&2
    exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
