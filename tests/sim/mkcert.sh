#!/bin/sh
# mkcert.sh - make a throw-away CA and a server certificate for the SP-API
# simulator: writes ca.pem, server.pem and server.key (plus the CA key and
# scratch files) into DIR. The server certificate names localhost and
# 127.0.0.1 (subjectAltName) and is valid for 30 days. Never for production.
#
#   sh tests/sim/mkcert.sh DIR
set -eu
dir=${1:?usage: mkcert.sh DIR}
command -v openssl >/dev/null 2>&1 || { echo "mkcert.sh: openssl not found" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
    -keyout ca.key -out ca.pem -subj "/CN=wmsbridge test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 \
    -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -sha256 -days 30 -extfile server.ext -out server.pem 2>/dev/null
chmod 644 ca.pem server.pem
rm -f server.csr ca.srl
openssl verify -CAfile ca.pem server.pem >/dev/null
