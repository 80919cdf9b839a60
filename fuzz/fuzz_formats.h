/* The input formats of the fuzz targets, shared with the seed builder
 * (fuzz_seeds.c), which writes the same formats from pcaps/.
 *
 * sip_sequence: pieces separated by FZ_SIP_SEPARATOR, each a control byte
 *   (bit 0 direction, bits 1-2 transport, bits 3-7 clock step) and a message.
 * ip_reassembly: records of flags (bit 0 more fragments, bit 1 IPv6,
 *   bits 2-3 identification, bit 4 source, bits 5-7 clock step), offset in
 *   8-byte units (16 bits), length (16 bits) and the bytes.
 * tcp_stream: records of flags (bit 0 from the server, SYN 0x02, FIN 0x04,
 *   RST 0x08, bits 4-5 connection, bits 6-7 clock step), sequence offset
 *   from the direction's next expected byte (16 bits, signed), length
 *   (16 bits) and the bytes.
 * sctp: records of flags (bits 0-1 the E and B flags, bit 2 direction,
 *   bits 3-4 stream, bits 5-7 clock step), TSN offset from the direction's
 *   next TSN (16 bits, signed), length (16 bits) and the bytes.
 * framing: one setup byte (bit 0: already WebSocket, bits 2-3 the size
 *   cap), then records of length (16 bits; 0xffff is a gap, no bytes) and
 *   the bytes, fed to one SIP framer.
 * tls: one setup byte (bit 0: no key log at all; bit 1: a key log file is
 *   registered, so records without a key are held), the key log text
 *   (length, 16 bits, then NSS key log lines), then records of an op byte
 *   (bit 0 from the server, bit 1 a gap with no bytes, bits 3-7 clock step),
 *   length (16 bits) and the bytes of that direction's TLS stream.
 * media: records of flags (bits 0-1 the kind: 0/3 datagram, 1 SDP learned,
 *   2 call forgotten; bits 2-3 call, bit 4 request, bits 5-7 clock step),
 *   info (bits 0-2 source endpoint, bits 3-5 destination or SDP address,
 *   bits 6-7 SDP direction; SDP: bit 6 the callee's tag, bit 7 a To tag),
 *   two ports (16 bits each: source and destination, or the SDP's audio and
 *   second media port, 0 = none), length (16 bits) and the bytes (a
 *   datagram; for SDP: ICE flag, second media kind, payload types). */
#ifndef SIPWATCH_FUZZ_FORMATS_H
#define SIPWATCH_FUZZ_FORMATS_H

#define FZ_SIP_SEPARATOR "\n\x00--\x00\n"

#define FZ_TCP_FROM_SERVER 0x01
#define FZ_TCP_SYN 0x02
#define FZ_TCP_FIN 0x04
#define FZ_TCP_RST 0x08
#define FZ_FRAMING_GAP 0xffff

#define FZ_TLS_NO_KEYLOG 0x01
#define FZ_TLS_KEYLOG_FILE 0x02
#define FZ_TLS_FROM_SERVER 0x01
#define FZ_TLS_GAP 0x02
#define FZ_MEDIA_KIND 0x03
#define FZ_MEDIA_LEARN 0x01
#define FZ_MEDIA_FORGET 0x02

#endif
