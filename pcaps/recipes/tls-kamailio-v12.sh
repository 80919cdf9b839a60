#!/bin/bash
# tls-kamailio-v12: tls-kamailio with kamailio limited to TLS 1.2
# (tls_method TLSv1.2), so the connections use TLS 1.2 with
# ECDHE-RSA-AES256-GCM-SHA384 (the TLS 1.2 PRF with SHA-384), a suite none of
# the openssl captures has.  Same traffic: alice registers (401, 200), calls
# bob through kamailio (407, 100, 180, 200, ACK, BYE/200), de-registers.
# Key log from kamailio through tls-keylog-preload.so (see tls-kamailio.sh).
# Expected diagnosis: none (healthy).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
sw_tls_kamailio tls-kamailio-v12 -A 'TLS_METHOD="TLSv1.2"'
