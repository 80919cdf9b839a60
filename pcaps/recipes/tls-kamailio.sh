#!/bin/bash
# tls-kamailio: SIP over TLS between real stacks, kamailio 5.6 (tls module,
# listening on 127.0.0.10:5061) and baresip 1.0.0 (libre, OpenSSL).  alice
# registers over TLS (REGISTER -> 401, REGISTER + Authorization -> 200), then
# calls bob through kamailio: INVITE -> 407, ACK, INVITE + Proxy-Authorization
# -> 100; kamailio opens a second TLS connection to bob (baresip, TLS on
# 127.0.0.12:5061, auto-answer) -> 180, 200, ACK; 3 s later alice hangs up
# (BYE -> 200).  When alice quits she de-registers (401, 200).
# Key log: neither kamailio 5.6's tls module nor baresip/libre can write one,
# so kamailio runs with tls-keylog-preload.so (LD_PRELOAD), which installs
# OpenSSL's key-log callback (SSL_CTX_set_keylog_callback) on kamailio's TLS
# contexts; its server and client connections both log.  Nothing else in the
# TLS stacks is changed.  kamailio's tls_method is TLSv1.2+, and TLS 1.3
# (TLS_AES_256_GCM_SHA384) is chosen.  Expected diagnosis: none (healthy).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
sw_tls_kamailio tls-kamailio
