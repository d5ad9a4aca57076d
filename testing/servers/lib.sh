# Helpers for the launchers in this folder. Sourced, not run.

# Where launchers keep what outlives one run: virtualenvs, logs, locks.
KILN_TEST_CACHE=${KILN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln-test-servers}
mkdir -p "$KILN_TEST_CACHE"

# True when something accepts TCP connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to 10 s for 127.0.0.1:$1 to accept connections. On success prints
# $2 (what now listens); on timeout says where to look ($3) and fails.
await_port() {
  for _ in $(seq 1 100); do
    if listening "$1"; then echo "$2"; return 0; fi
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1 after 10 s; see $3" >&2
  return 1
}

# make_venv DIR PACKAGE==VERSION...: a virtualenv in DIR holding exactly these
# pins. Made once and remade only when the pins change; under a lock, since
# tests running in parallel may all ask for it at first use.
make_venv() {
  local dir=$1; shift
  local want="$*"
  (
    flock 9
    if [ "$(cat "$dir/.kiln-pins" 2>/dev/null)" != "$want" ]; then
      rm -rf "$dir"
      python3 -m venv "$dir"
      "$dir/bin/pip" install -q "$@"
      echo "$want" >"$dir/.kiln-pins"
    fi
  ) 9>"$dir.lock"
}

# apt_install PACKAGE...: installs Debian packages, refreshing the package
# lists only when the first attempt fails (a fresh machine has none).
apt_install() {
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -q "$@" >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$@" >/dev/null; }
}
