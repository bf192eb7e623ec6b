#!/usr/bin/env bash
# Makes a development CA and a server certificate for 127.0.0.1 and
# localhost, with certtool (Debian package gnutls-bin). For tests and local
# development only: see certs/README.md for production certificates.
#   certs/make-dev-certs.sh [DIR]      (default: certs/dev)
# Writes DIR/ca.pem (trust this one: curl --cacert DIR/ca.pem), DIR/ca-key.pem,
# DIR/server.pem, DIR/server-key.pem (give these to passnumd --tls-cert/--tls-key).
set -euo pipefail
dir=${1:-$(dirname "$0")/dev}
command -v certtool >/dev/null || { echo "make-dev-certs.sh: certtool is missing (apt-get install gnutls-bin)" >&2; exit 1; }
mkdir -p "$dir"
umask 077
cd "$dir"

cat > ca.tmpl <<'T'
cn = "passnum development CA"
organization = "passnum development"
ca
cert_signing_key
crl_signing_key
expiration_days = 365
T
cat > server.tmpl <<'T'
cn = "localhost"
organization = "passnum development"
dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"
tls_www_server
signing_key
encryption_key
expiration_days = 365
T
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile ca-key.pem 2>/dev/null
certtool --generate-self-signed --load-privkey ca-key.pem --template ca.tmpl --outfile ca.pem 2>/dev/null
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile server-key.pem 2>/dev/null
certtool --generate-certificate --load-privkey server-key.pem --load-ca-certificate ca.pem \
	--load-ca-privkey ca-key.pem --template server.tmpl --outfile server.pem 2>/dev/null
rm -f ca.tmpl server.tmpl
chmod 600 ca-key.pem server-key.pem
chmod 644 ca.pem server.pem
echo "$dir/server.pem $dir/server-key.pem (CA: $dir/ca.pem)"
