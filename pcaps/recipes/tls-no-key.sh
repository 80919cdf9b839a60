#!/bin/bash
# tls-no-key: two TLS 1.3 connections (TLS_AES_128_GCM_SHA256, openssl
# s_server/s_client) and a key log that lacks the first one's lines.
# Connection 1 (stream 0): the 401 loop of tls-v12-aes128gcm (5 x REGISTER ->
# 401, one Call-ID), whose secrets were removed from the key log after the
# capture.  Connection 2 (stream 1): a healthy call (INVITE/100/180/200/ACK,
# BYE -> 200 2 s later), whose keys are in the key log.
# Expected: the call is decrypted (7 SIP messages, no finding); the register
# connection is "not decrypted: no key" and the 401 loop stays unseen, so
# --check must not report OK.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tls.sh"
NAME=tls-no-key
sw_setup "$NAME"
sw_tls_cert rsa
sw_capture_start "tcp port $SW_TLS_PORT"
sw_tls_feed --scenario register-loop,call \
	--openssl-client "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
sleep 0.5
sw_stop capture
sw_tls_drop_keys "$SW_WORK/capture.pcap" "$SW_WORK/keylog" 0 "$SW_WORK/keylog.partial"
sw_tls_finish "$NAME" "$SW_WORK/keylog.partial" none -- \
	"tls_not_decrypted no_key 1 (stream 0, the REGISTER 401 loop: auth-loop unseen)" \
	"tls_decrypted 1 (stream 1, the call)" \
	"--check must not say OK: one connection could not be read"
