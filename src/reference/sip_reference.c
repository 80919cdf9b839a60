/* Built-in SIP reference for `sipwatch --explain` and the diagnosis rules:
 * static tables of response codes (RFC 3261 and common extensions), response
 * classes, methods and notes on commonly confused pairs, plus the printer that
 * wraps one entry, or compares several side by side, to a terminal width.
 * All data is static const; nothing here keeps state between calls. */
#include "sipwatch/sip_reference.h"
#include "sipwatch/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------ */
/* Response codes, sorted by code (lookups use bsearch).                     */

static const sw_status_ref status_table[] = {
    /* 1xx */
    {100, "Trying", "RFC 3261 §21.1.1",
     "The next hop got the request and is working on it. It is hop-by-hop: it only stops "
     "INVITE retransmissions and says nothing about the callee.",
     "Sent by a proxy or UAS within about 200 ms of an INVITE arriving. It is never forwarded "
     "end to end.",
     "Nothing to fix. If an INVITE is retransmitted and no 100 comes back, the next hop does not "
     "receive it or its answers are lost: check routing, firewall, NAT and the transport (UDP or "
     "TCP) on that hop."},
    {180, "Ringing", "RFC 3261 §21.1.2",
     "The callee's device was reached and is alerting the user. A To-tag in it creates an early "
     "dialog.",
     "After 100 Trying while the phone rings. Several 180s with different To-tags mean the call "
     "forked to several devices.",
     "Normal. Without SDP the caller's phone must play ringback itself; with SDP the ringback "
     "comes from the far end as RTP, so no ringback then means early media is blocked."},
    {181, "Call Is Being Forwarded", "RFC 3261 §21.1.3",
     "A server is forwarding the call to another destination, for example on a diversion rule.",
     "From a proxy or feature server applying call forwarding, usually followed by a 180 from "
     "the new target.",
     "Informational. If calls forward when they should not, review the callee's forwarding "
     "rules (unconditional, busy, no answer) on the PBX or feature server."},
    {182, "Queued", "RFC 3261 §21.1.4",
     "The callee cannot take the call yet, and the server queued it instead of rejecting it.",
     "Call-centre queues, or busy lines where the server holds calls until the line frees up.",
     "Normal for queues. If callers wait forever, check the queue timeout and that the agents "
     "are registered and available."},
    {183, "Session Progress", "RFC 3261 §21.1.5",
     "Call progress before the answer, usually with SDP for early media: the network plays "
     "tones or announcements as RTP.",
     "From gateways and carriers for ringback, announcements (\"the number is not reachable\") "
     "or an IVR before the 200 OK.",
     "Make sure early-media RTP can reach the caller: the SDP address must be reachable "
     "through NAT and firewalls. Silence or one-way audio before the answer usually means that "
     "stream is blocked, or that the phone ignores SDP in a 183."},
    {199, "Early Dialog Terminated", "RFC 6228",
     "One early dialog of a forked call ended before the final response, so the caller can free "
     "what it reserved for that branch.",
     "From forking proxies or UASs when one branch rejects the call while others still ring. "
     "Only sent when the caller advertised Supported: 199.",
     "Informational. Use it to see which branch dropped out; the call still depends on the "
     "remaining branches."},
    /* 2xx */
    {200, "OK", "RFC 3261 §21.2.1",
     "The request succeeded. For INVITE the call is answered, and the body carries the SDP "
     "answer (or an offer).",
     "Answered calls, successful REGISTER (listing the bound Contacts and their expiry), BYE, "
     "OPTIONS and most other requests.",
     "For INVITE the caller must send ACK; if the callee keeps resending the 200 OK, the ACK "
     "does not reach it (check Contact, Record-Route and NAT). For REGISTER, compare the "
     "expiry granted with the one the phone asked for."},
    {202, "Accepted", "RFC 3515; RFC 3265",
     "The request was accepted for processing, but its outcome is not known yet. The result "
     "comes later, normally in NOTIFY requests.",
     "The normal answer to REFER (call transfer). Older servers also send it to SUBSCRIBE and "
     "MESSAGE; RFC 6665 deprecates it for SUBSCRIBE in favour of 200.",
     "For REFER: accepted, so wait for NOTIFY to learn the outcome. If no NOTIFY comes, check "
     "the subscription state (Refer-Sub: false means none will be sent), whether the transferee "
     "really supports REFER, and connectivity and NAT towards the Contact of the REFER sender."},
    {204, "No Notification", "RFC 5839",
     "The subscription was accepted, but no NOTIFY with the current state will follow because "
     "the subscriber already has that state.",
     "SUBSCRIBE refreshes carrying Suppress-If-Match with an entity-tag that is still current "
     "(conditional event notification).",
     "Normal: do not expect a NOTIFY. If the subscriber's view is stale anyway, make it "
     "refresh without Suppress-If-Match."},
    /* 3xx */
    {300, "Multiple Choices", "RFC 3261 §21.3.1",
     "The target can be reached at several addresses, listed in Contact; the caller or its "
     "proxy picks one.",
     "Redirect servers and location services that return every registered Contact.",
     "The caller or proxy should retry to one of the Contacts. If the call stops here, the phone "
     "does not follow redirects: enable redirect handling or make the proxy recurse."},
    {301, "Moved Permanently", "RFC 3261 §21.3.2",
     "The user is no longer at the Request-URI; use the address in Contact from now on.",
     "Redirect servers after a user or number was moved for good.",
     "Retry to the Contact, and update address books, speed dials or routing tables that still "
     "point at the old address."},
    {302, "Moved Temporarily", "RFC 3261 §21.3.3",
     "The user is reachable elsewhere for now: retry this call to the Contact. An Expires "
     "value may say how long that holds.",
     "Call forwarding done by redirect (common with carriers and SBCs) and number portability "
     "lookups.",
     "The caller or proxy should send a new INVITE to the Contact. If calls stop at 302, the "
     "phone or trunk ignores redirects: enable redirect following or make the proxy recurse, "
     "and check that the Contact is routable."},
    {305, "Use Proxy", "RFC 3261 §21.3.4",
     "The target must be reached through the proxy given in Contact.",
     "Rare. UAs may ignore it for security reasons, so it is seldom honoured.",
     "Configure the outbound proxy explicitly on the phone or trunk instead of relying on 305. "
     "If you see it, find the server that sends it and fix its routing policy."},
    {380, "Alternative Service", "RFC 3261 §21.3.5",
     "The call failed as dialled, but the body describes other services that could handle it.",
     "Rare; some networks use it to steer special or emergency calls elsewhere.",
     "Read the body to see what is offered. Most phones treat it as a plain failure; check how "
     "the dialled service is routed on the server."},
    /* 4xx */
    {400, "Bad Request", "RFC 3261 §21.4.1",
     "The request is malformed: a syntax error, or a mandatory header that is missing or "
     "invalid.",
     "Broken headers from buggy phones or SIP ALGs, a wrong Content-Length, bad escaping in a "
     "URI, or UDP packets cut short.",
     "The reason phrase often names the bad header, so read it first. Compare the packet as "
     "sent and as received to spot a router ALG rewriting it; disable SIP ALG and check "
     "Content-Length."},
    {401, "Unauthorized", "RFC 3261 §21.4.2",
     "The registrar or UAS wants the sender to authenticate. WWW-Authenticate carries the digest "
     "challenge (realm, nonce).",
     "First answer to REGISTER or INVITE from a server that requires authentication. The second "
     "attempt, with credentials, normally succeeds.",
     "Resend the request with an Authorization header carrying valid digest credentials. If 401 "
     "repeats, check the password, the auth username (it may differ from the extension), "
     "whether the realm configured on the phone matches the realm challenged, and stale nonce "
     "handling (stale=true only needs a retry with the new nonce). A 401 loop can trigger "
     "account lockout or a fail2ban ban, so stop the device until it is fixed."},
    {402, "Payment Required", "RFC 3261 §21.4.3",
     "Reserved for future use by RFC 3261. Some carriers send it when an account has no credit.",
     "Calls from prepaid or suspended accounts on providers that use it.",
     "Check the account balance or billing status with the provider."},
    {403, "Forbidden", "RFC 3261 §21.4.4",
     "The server understood the request and refuses it. Authenticating again will not help.",
     "Wrong credentials on servers that refuse instead of challenging, blocked source IPs, "
     "destinations the account may not call, or a disabled account.",
     "Read the reason phrase and the server log for the policy that refused it. Check dial "
     "permissions, IP ACLs and account status; a 403 right after a 401 usually means the "
     "credentials sent are wrong."},
    {404, "Not Found", "RFC 3261 §21.4.5",
     "The user in the Request-URI does not exist in the domain this server is responsible for.",
     "A wrong or unknown number or extension, a wrong domain in the URI, or (on some proxies) "
     "a user who is not registered right now.",
     "Check the dialled number and its format (prefixes, +E.164), the domain part, and the dial "
     "plan or routing table. On proxies that use 404 for users with no registration, check the "
     "location table too."},
    {405, "Method Not Allowed", "RFC 3261 §21.4.6",
     "The server knows the method but does not allow it for this address. The Allow header "
     "lists what it accepts.",
     "SUBSCRIBE, MESSAGE, REFER or INFO sent to a phone or trunk that does not take them.",
     "Read the Allow header and avoid the method, or enable it on the receiver (presence, "
     "messaging or transfer support on the PBX)."},
    {406, "Not Acceptable", "RFC 3261 §21.4.7",
     "The server could only answer with a body type that the request's Accept header excludes.",
     "Rare; mostly SUBSCRIBE or OPTIONS with a narrow Accept header.",
     "Widen the Accept header on the requester, or enable the requested body type on the "
     "server."},
    {407, "Proxy Authentication Required", "RFC 3261 §21.4.8",
     "A proxy on the path wants the sender to authenticate. Proxy-Authenticate carries the "
     "digest challenge.",
     "First INVITE through a proxy or SBC that authenticates calls; the retry with credentials "
     "normally succeeds. A registrar or UAS challenges with 401 instead.",
     "Resend the request with a Proxy-Authorization header carrying valid digest credentials "
     "for the proxy's realm. If it loops, check the proxy credentials, which may differ from the "
     "registration ones (e.g. a trunk account), the auth username and realm, and that the answer "
     "goes in Proxy-Authorization, not Authorization."},
    {408, "Request Timeout", "RFC 3261 §21.4.9",
     "No final response came back in time. A proxy often sends it for a target that never "
     "answered.",
     "Forwarding to a registered Contact that is no longer reachable (stale registration, lost "
     "NAT binding), or a callee that rings longer than the proxy's timer.",
     "Find which hop generated it (Via, Server header, timing). About 32 s after the INVITE "
     "means the target never replied: check NAT keepalives, registration expiry and the path to "
     "the Contact."},
    {410, "Gone", "RFC 3261 §21.4.10",
     "The user existed here but is no longer available, and no forwarding address is known.",
     "Deleted accounts or numbers taken out of service.",
     "Update the dialled number or the routing; the target is permanently gone at this server."},
    {412, "Conditional Request Failed", "RFC 3903",
     "A PUBLISH refers to published state (SIP-If-Match entity-tag) that the server no longer "
     "holds.",
     "A PUBLISH refresh after the state expired or the presence server restarted.",
     "The publisher should send a new initial PUBLISH without SIP-If-Match. If it keeps "
     "happening, the refresh interval is longer than the server's expiry."},
    {413, "Request Entity Too Large", "RFC 3261 §21.4.11",
     "The request body is larger than the server accepts.",
     "SDP with many codecs or ICE candidates, large MESSAGE bodies, or multipart bodies.",
     "Trim the body (fewer codecs or candidates) or raise the server's limit. Large messages "
     "should also go over TCP rather than UDP."},
    {414, "Request-URI Too Long", "RFC 3261 §21.4.12",
     "The Request-URI is longer than the server is willing to parse.",
     "URIs bloated with parameters, often from a misbehaving gateway or a loop that keeps "
     "adding to them.",
     "Find the element that builds the long URI and strip the parameters it does not need."},
    {415, "Unsupported Media Type", "RFC 3261 §21.4.13",
     "The server cannot handle the body's Content-Type or encoding. Accept, Accept-Encoding or "
     "Accept-Language in the response say what it takes.",
     "INFO or MESSAGE with a body type the receiver does not know, or NOTIFY bodies the "
     "subscriber cannot read.",
     "Send a body type listed in the receiver's Accept header, or enable that type on the "
     "receiver."},
    {416, "Unsupported URI Scheme", "RFC 3261 §21.4.14",
     "The server does not handle the scheme of the Request-URI, such as tel:, sips: or im:.",
     "Calls to tel: or sips: URIs on a server that only handles sip:.",
     "Convert the target to a sip: URI (with user=phone for numbers) or enable the scheme; for "
     "sips:, make sure TLS is in place on every hop."},
    {417, "Unknown Resource-Priority", "RFC 4412",
     "The Resource-Priority header uses a namespace or priority value the server does not know.",
     "Priority calls (government or emergency services) entering a network that does not "
     "support the namespace.",
     "Read Accept-Resource-Priority in the response for the supported values, and align the "
     "namespaces configured on both sides."},
    {420, "Bad Extension", "RFC 3261 §21.4.15",
     "The request requires an option tag (Require or Proxy-Require) the server does not "
     "support. The Unsupported header names it.",
     "Phones that put 100rel, timer or another extension in Require towards a device that lacks "
     "it.",
     "Make the option optional on the sender (Supported instead of Require, e.g. for 100rel) or "
     "enable the extension on the receiver."},
    {421, "Extension Required", "RFC 3261 §21.4.16",
     "The server needs an extension the request did not offer. The Require header in the "
     "response names it.",
     "Servers that insist on reliable provisionals (100rel) or session timers.",
     "Enable the named extension on the caller so it appears in Supported, or relax the "
     "requirement on the server."},
    {422, "Session Interval Too Small", "RFC 4028",
     "The Session-Expires value is below the server's minimum. Min-SE in the response gives "
     "the minimum.",
     "INVITE or UPDATE with a very short session timer (e.g. 90 s) towards a carrier that wants "
     "a longer one.",
     "The caller should retry with Session-Expires of at least Min-SE; most do it "
     "automatically. If calls fail, raise the session timer on the phone or trunk."},
    {423, "Interval Too Brief", "RFC 3261 §21.4.17",
     "The expiry asked for in REGISTER (or SUBSCRIBE) is shorter than the server allows. "
     "Min-Expires in the response gives the minimum.",
     "Phones set to register every few seconds, usually to keep a NAT binding open.",
     "Set the expiry to at least Min-Expires, and keep NAT open with keepalives (CRLF or "
     "OPTIONS) instead of short registrations."},
    {424, "Bad Location Information", "RFC 6442",
     "The caller's location (Geolocation header or PIDF-LO body) is malformed or unusable.",
     "Emergency calls that carry the caller's location.",
     "Check the Geolocation header and PIDF-LO body added by the phone or location server; the "
     "Geolocation-Error header in the response says what is wrong."},
    {428, "Use Identity Header", "RFC 8224",
     "The server requires a signed Identity header (STIR/SHAKEN) and the request has none.",
     "Calls into carriers that enforce STIR/SHAKEN signing.",
     "Make sure the originating provider or SBC signs outgoing calls, and check its signing "
     "service."},
    {429, "Provide Referrer Identity", "RFC 3892",
     "The transfer target wants proof of who asked for the transfer: a valid Referred-By token.",
     "Rare; transfers (REFER) to targets that require an authenticated Referred-By.",
     "Have the transferor supply a signed Referred-By token, or relax the policy on the "
     "target."},
    {430, "Flow Failed", "RFC 5626",
     "An edge proxy could not use the connection (flow) to the phone that its SIP Outbound "
     "registration set up.",
     "Between proxies, when the phone's TCP or TLS connection to the edge proxy has dropped.",
     "Check the phone's outbound keepalives (CRLF or STUN) and connection stability; the phone "
     "must re-register to rebuild the flow."},
    {433, "Anonymity Disallowed", "RFC 5079",
     "The callee refuses anonymous calls.",
     "Calls with Privacy: id or an anonymous From to users with anonymous call rejection on.",
     "Present the caller ID (drop Privacy: id), or ask the callee to accept anonymous calls."},
    {436, "Bad Identity Info", "RFC 8224",
     "The certificate reference in the Identity header cannot be fetched or parsed.",
     "STIR/SHAKEN calls whose certificate URL is wrong or unreachable from the verifier.",
     "Check the certificate URL in the Identity header and that the certificate repository is "
     "reachable from the verifying side."},
    {437, "Unsupported Credential", "RFC 8224",
     "The verifier cannot validate the certificate that signed the Identity header, e.g. its "
     "issuer is not trusted.",
     "STIR/SHAKEN verification with an unknown, expired or revoked certificate.",
     "Check the signing certificate chain and that the verifier trusts its issuer."},
    {438, "Invalid Identity Header", "RFC 8224",
     "The Identity signature does not match the request: signed fields changed, or the "
     "signature is bad or too old.",
     "STIR/SHAKEN calls where a hop rewrote the From or To number or the Date header.",
     "Find the hop that alters the signed headers (number normalisation, Date) and stop it, or "
     "sign after the change."},
    {439, "First Hop Lacks Outbound Support", "RFC 5626",
     "The registrar supports SIP Outbound, but the first-hop proxy does not, so the "
     "registration's flow cannot be used.",
     "REGISTER with outbound parameters (reg-id, +sip.instance) through an edge proxy without "
     "RFC 5626 support.",
     "Enable outbound support on the edge proxy, or turn outbound off on the phone."},
    {440, "Max-Breadth Exceeded", "RFC 5393",
     "Forking the request further would exceed its Max-Breadth limit, so no more parallel "
     "branches are allowed.",
     "Heavy parallel forking, or forking loops between proxies.",
     "Look for proxies that fork to each other, and reduce the number of parallel targets or "
     "registered Contacts."},
    {469, "Bad Info Package", "RFC 6086",
     "The INFO uses an Info Package the receiver did not agree to in this dialog.",
     "DTMF or other INFO events sent without the receiver listing the package in Recv-Info.",
     "Align the Info Packages announced in Recv-Info. For DTMF, consider RFC 4733 events in RTP "
     "instead of INFO."},
    {470, "Consent Needed", "RFC 5360",
     "A relay needs the target's consent before forwarding to it, so the request was not "
     "relayed.",
     "Requests to URI lists or relays that enforce consent, for recipients who have not agreed.",
     "Obtain consent for the targets named in Permission-Missing, or send to the recipient "
     "directly."},
    {480, "Temporarily Unavailable", "RFC 3261 §21.4.18",
     "The callee exists but cannot be reached right now: not registered, do-not-disturb, or no "
     "answer.",
     "Calls to a known user with no current registration, DND on, or a no-answer timeout on the "
     "PBX.",
     "Check that the callee is registered and its registration has not expired, and its DND "
     "and no-answer settings. Retry-After, if present, says when to try again."},
    {481, "Call/Transaction Does Not Exist", "RFC 3261 §21.4.19",
     "The receiver has no dialog or transaction that matches the request (Call-ID, tags, "
     "CSeq).",
     "A NOTIFY for a subscription the subscriber no longer knows, a BYE or re-INVITE after the "
     "dialog timed out or ended, a late CANCEL, or tags changed by an SBC.",
     "Compare Call-ID, From-tag and To-tag with the dialog's first messages; a B2BUA or SBC may "
     "have changed them. Check whether one side already ended the dialog (session timer, "
     "restart) and that in-dialog requests are routed to the right host."},
    {482, "Loop Detected", "RFC 3261 §21.4.20",
     "The request came back to a proxy it had already passed, with the same routing.",
     "Two proxies, or a PBX and a trunk, whose routes send calls to each other.",
     "Follow the Via headers to find the loop and fix the rule that sends the request back."},
    {483, "Too Many Hops", "RFC 3261 §21.4.21",
     "Max-Forwards reached zero before the request got to its target.",
     "Routing loops through B2BUAs (which hide the loop from Via), or very long proxy chains.",
     "Look for a loop between B2BUAs or a rule that sends the call back. Raising Max-Forwards "
     "only hides the problem."},
    {484, "Address Incomplete", "RFC 3261 §21.4.22",
     "The dialled number is too short to route; more digits are needed.",
     "Overlap dialling, or dial plans that expect a prefix, area code or longer number.",
     "Check the number format and the dial plan (country code, prefixes). The phone's digit map "
     "may send the number before it is complete."},
    {485, "Ambiguous", "RFC 3261 §21.4.23",
     "The Request-URI matches several users. The response may list candidates in Contact.",
     "Rare; dialling by name or partial address on directories that allow it.",
     "Use a fully qualified address, or pick one of the listed Contacts."},
    {486, "Busy Here", "RFC 3261 §21.4.24",
     "The callee's device is busy and cannot take the call. Other devices of the same user "
     "might.",
     "The phone is on another call without call waiting, or the user rejected the call on "
     "phones that send 486 for that.",
     "Normal user condition. If idle lines report busy, check the phone's call limit or call "
     "waiting settings and look for stuck calls on the PBX."},
    {487, "Request Terminated", "RFC 3261 §21.4.25",
     "The request was ended before it completed, normally by a CANCEL.",
     "The caller hung up while it was ringing, or a forking proxy cancelled the other branches "
     "after one answered.",
     "Normal after CANCEL; nothing to fix. If calls get 487 although the caller did not hang "
     "up, look for a no-answer timer on the caller's side or a proxy that cancels too early."},
    {488, "Not Acceptable Here", "RFC 3261 §21.4.26",
     "The callee cannot accept the session as offered, almost always because of the SDP: no "
     "common codec, unsupported media, or an SRTP mismatch.",
     "Codec lists that do not overlap between phone and trunk, SRTP required on one side only, "
     "or T.38 fax offers the far side rejects.",
     "Compare the m= lines and rtpmap codecs in the offer with what the callee supports, and the "
     "SRTP settings (RTP/SAVP vs RTP/AVP) on both sides. A Warning header often names the "
     "problem."},
    {489, "Bad Event", "RFC 6665; RFC 3265",
     "The receiver does not support the event package named in the Event header of a "
     "SUBSCRIBE, PUBLISH or NOTIFY.",
     "SUBSCRIBE for presence, dialog or message-summary on a server without that package, or "
     "a NOTIFY with Event: refer to a UA that does not handle REFER's implicit subscription.",
     "Check the packages the server lists in Allow-Events and enable the one needed. For "
     "transfers, send REFER with Refer-Sub: false or use a UA that handles Event: refer."},
    {491, "Request Pending", "RFC 3261 §21.4.27",
     "The receiver already has an offer/answer exchange (re-INVITE or UPDATE) pending in this "
     "dialog, so it cannot start another: glare.",
     "Both sides send a re-INVITE at the same moment, e.g. hold colliding with a session "
     "refresh.",
     "Normal if rare: each side retries after a random delay. If it repeats, look for phones "
     "that re-INVITE in a loop or ignore the back-off."},
    {493, "Undecipherable", "RFC 3261 §21.4.28",
     "The request carries an S/MIME encrypted body that the receiver cannot decrypt.",
     "Rare: S/MIME bodies encrypted with the wrong key.",
     "Check the certificates used for S/MIME, or turn body encryption off."},
    {494, "Security Agreement Required", "RFC 3329",
     "The server requires a security mechanism agreement (Security-Client and Security-Server "
     "headers) before going further.",
     "IMS registrations where the P-CSCF requires IPsec or TLS set up through sec-agree.",
     "Enable sec-agree on the UA (Require: sec-agree and a Security-Client header) and check "
     "which mechanisms the Security-Server header offers."},
    /* 5xx */
    {500, "Server Internal Error", "RFC 3261 §21.5.1",
     "The server hit an unexpected error on its side while handling the request.",
     "Software faults, database or back-end failures, errors in the proxy's routing script, or "
     "a B2BUA that could not build the outgoing leg.",
     "Read the server's log at the time of the response; the reason phrase or Warning header "
     "may give the cause. Retry-After means the condition is temporary."},
    {501, "Not Implemented", "RFC 3261 §21.5.2",
     "The server does not implement the method at all, for any user.",
     "UPDATE, PRACK, REFER, MESSAGE or INFO sent to a device that does not know them.",
     "Avoid the method towards this device or upgrade it; its Allow header (from OPTIONS) lists "
     "what it supports."},
    {502, "Bad Gateway", "RFC 3261 §21.5.3",
     "A gateway or proxy got an invalid response from the next server it contacted.",
     "Gateways whose PSTN or carrier leg failed, or unparseable responses from a carrier.",
     "Check the downstream leg (trunk, PSTN link) of the element that sent it, and its log."},
    {503, "Service Unavailable", "RFC 3261 §21.5.4",
     "The server cannot handle the request for now: overload, maintenance, or no available "
     "route or trunk.",
     "Overload, a PBX or trunk that is down, no gateway left, channel or licence limits, or a "
     "proxy whose destinations all failed.",
     "Check the server's load and state; Retry-After says when to try again. Clients and "
     "proxies should fail over to another server (DNS SRV); if one server keeps answering 503, "
     "look at its upstream trunks and channel limits."},
    {504, "Server Time-out", "RFC 3261 §21.5.5",
     "The server got no timely answer from another server it needed, such as the next hop or a "
     "DNS or location service.",
     "An upstream trunk or carrier that does not answer, or DNS lookups that time out.",
     "Check connectivity and response times from the server that sent it to its next hop, and "
     "its DNS resolution."},
    {505, "Version Not Supported", "RFC 3261 §21.5.6",
     "The server does not support the SIP version given in the request line.",
     "Very old or broken devices, or request lines mangled by an ALG.",
     "Check that the request line ends in SIP/2.0 and that nothing on the path rewrites it."},
    {513, "Message Too Large", "RFC 3261 §21.5.7",
     "The message is longer than the server can process.",
     "Large messages over UDP, or servers with small receive buffers.",
     "Shrink the message (fewer headers, codecs or candidates) or send it over TCP."},
    {555, "Push Notification Service Not Supported", "RFC 8599",
     "The server does not support the push notification service the phone asked for in its "
     "registration.",
     "Mobile softphones registering with pn-provider parameters to a server without that push "
     "service.",
     "Configure a push provider the server supports, or register without push parameters."},
    {580, "Precondition Failure", "RFC 3312",
     "The session cannot be set up because the required preconditions, such as reserved QoS "
     "resources, cannot be met.",
     "IMS and VoLTE calls with QoS preconditions that fail or are not supported by one side.",
     "Check the precondition attributes in the SDP and whether both sides support "
     "preconditions; disable them if one side cannot."},
    /* 6xx */
    {600, "Busy Everywhere", "RFC 3261 §21.6.1",
     "The callee is busy and knows that no other device of theirs can take the call either.",
     "Servers that report a global busy for a user, or phones whose reject button sends 600.",
     "Normal user condition. Unlike 486, proxies stop forking and do not try further "
     "destinations after a 6xx."},
    {603, "Decline", "RFC 3261 §21.6.2",
     "The callee explicitly declined the call, and no other device should be tried.",
     "The user pressed Decline, or a call-screening or blocklist rule rejected the caller.",
     "Normal user decision. If calls are declined unexpectedly, check the callee's blocklist, "
     "screening and DND rules."},
    {604, "Does Not Exist Anywhere", "RFC 3261 §21.6.3",
     "The server knows for sure that the user does not exist anywhere, so retrying elsewhere "
     "is pointless.",
     "Carriers and number portability databases answering for numbers not in service.",
     "Check the dialled number; if it is correct, report the routing to the carrier."},
    {606, "Not Acceptable", "RFC 3261 §21.6.4",
     "The user was reached but does not accept any part of the session as offered, on any "
     "device.",
     "Offers with no usable media for the callee, e.g. video-only or an unsupported codec set.",
     "Compare the SDP offer with the callee's capabilities (codecs, media types, SRTP); a "
     "Warning header may say what failed."},
    {607, "Unwanted", "RFC 8197",
     "The callee marked the call as unwanted, such as spam or a robocall.",
     "Users or call-blocking apps flagging calls; carriers may feed it into call analytics.",
     "If legitimate calls get 607, the calling number's reputation is poor: check the caller ID "
     "presented and its STIR/SHAKEN attestation, and contact the terminating carrier."},
    {608, "Rejected", "RFC 8688",
     "An intermediary, not the user, rejected the call; typically a call-analytics or "
     "anti-fraud engine.",
     "Carrier robocall filters. The response may carry a Call-Info header with a contact for "
     "redress.",
     "Use the Call-Info contact to dispute the block, and review the caller ID and attestation "
     "of the calls."},
};

#define STATUS_COUNT (sizeof status_table / sizeof status_table[0])

/* Response classes, index 0 = 1xx. The code field is 100, 200, ... 600. */
static const sw_status_ref class_table[] = {
    {100, "Provisional", "RFC 3261 §21.1",
     "A progress report: the request arrived and is being handled, and a final response is "
     "still to come.",
     "During call setup (Trying, Ringing, Session Progress). It never ends a transaction.",
     "Nothing to fix by itself. If a call hangs after a provisional response with no final one, "
     "the callee or a proxy stopped answering: check its timers and log."},
    {200, "Success", "RFC 3261 §21.2",
     "The request succeeded.",
     "Answered calls, completed registrations and other requests that worked.",
     "Nothing to fix. For INVITE, make sure the ACK reaches the callee."},
    {300, "Redirection", "RFC 3261 §21.3",
     "The target is elsewhere; Contact gives the addresses to try instead.",
     "Redirect servers, call forwarding by redirect, number portability.",
     "The caller or its proxy should retry to the Contact. If calls stop here, enable redirect "
     "handling on the phone, trunk or proxy."},
    {400, "Client failure", "RFC 3261 §21.4",
     "The request cannot succeed as sent: bad content, missing credentials, unknown user, or "
     "the callee's state. Sent unchanged to the same server, it fails again.",
     "Authentication challenges, unknown numbers, busy or unavailable users, unacceptable SDP.",
     "Fix the request or its context (credentials, number, codecs) before retrying. Other "
     "servers or devices might still succeed."},
    {500, "Server failure", "RFC 3261 §21.5",
     "The request may be fine, but the server failed to process it.",
     "Overload, maintenance, failed upstream trunks, timeouts and software faults.",
     "Fail over to another server if there is one (DNS SRV), or retry after Retry-After; check "
     "the failing server's log and upstream links."},
    {600, "Global failure", "RFC 3261 §21.6",
     "The server knows the request will fail everywhere: no other device or location will "
     "help.",
     "Busy everywhere, declined calls, numbers that do not exist, unwanted calls.",
     "Do not retry elsewhere. Act on the specific code: a user decision or a number problem."},
};

/* ------------------------------------------------------------------------ */
/* Methods, sorted by name (lookups use bsearch with strcasecmp).            */

static const sw_method_ref method_table[] = {
    {"ACK", "RFC 3261 §13.2.2.4, §17.1.1.3",
     "Confirms that the caller received the final response to an INVITE. It gets no response "
     "of its own.",
     "After every final response to INVITE: hop by hop for failures, and end to end (routed by "
     "the dialog's route set) for 2xx.",
     "If the callee resends 200 OK and drops the call after about 32 s, the ACK is not reaching "
     "it: check Contact and Record-Route in the 200 OK, NAT, and any SBC that rewrites them. "
     "The ACK's CSeq number must equal the INVITE's."},
    {"BYE", "RFC 3261 §15",
     "Ends an established dialog (call). Either side can send it.",
     "Hang-up after the call was answered. An unanswered call is stopped with CANCEL instead.",
     "A 481 answer means the other side had already ended the dialog (session timer, restart, "
     "earlier BYE). If the BYE never arrives, calls stay up in billing: check the route set "
     "(Record-Route), NAT towards the far Contact, and session timers as a safety net."},
    {"CANCEL", "RFC 3261 §9",
     "Asks to stop a pending INVITE because the caller gave up before the answer. It only "
     "affects requests with no final response yet.",
     "The caller hangs up while it is ringing, or a forking proxy stops the other branches once "
     "one answered.",
     "Expected flow: 200 OK to the CANCEL, 487 to the INVITE, then ACK. The CANCEL must copy the "
     "INVITE's Request-URI, Call-ID, From tag, CSeq number and top Via branch; otherwise it "
     "gets 481 and the phone keeps ringing."},
    {"INFO", "RFC 6086",
     "Carries application data inside an existing dialog without changing the session, such as "
     "DTMF digits.",
     "DTMF sent as SIP INFO (application/dtmf-relay), video picture refresh requests, vendor "
     "signalling during a call.",
     "If digits get lost, check that both sides use the same DTMF method (INFO, RFC 4733 in RTP, "
     "or in-band audio). A 469 or 415 means the receiver rejects the package or body type."},
    {"INVITE", "RFC 3261 §13",
     "Starts a session (call) and usually carries the SDP offer. A re-INVITE inside a dialog "
     "changes the session.",
     "Every call setup; re-INVITEs for hold and resume, transfers, session timer refreshes and "
     "media changes.",
     "Follow the transaction: 100, 18x, final response, ACK. No 100 means the INVITE does not "
     "reach the next hop; no final response means the callee or a proxy is stuck; SDP problems "
     "show as 488 or 606, or as one-way audio."},
    {"MESSAGE", "RFC 3428",
     "Sends one instant message (pager mode), independent of any dialog.",
     "Chat between SIP clients and SMS-over-IP gateways.",
     "A 200 or 202 only means the next hop took the message, not that the user read it. Check "
     "body type support (415), size over UDP (413, 513) and whether the server accepts MESSAGE "
     "at all (405, 501)."},
    {"NOTIFY", "RFC 6665",
     "Reports the state of a subscribed resource. Subscription-State says whether the "
     "subscription is active, pending or terminated.",
     "After SUBSCRIBE (presence, BLF dialog state, voicemail MWI) and after REFER (transfer "
     "progress in message/sipfrag bodies).",
     "A 481 answer means the subscriber no longer has the subscription (expired, or the device "
     "restarted). The Event header must match the subscription (Event: refer;id=<CSeq> after a "
     "REFER); check that NOTIFYs reach the subscriber's Contact through NAT."},
    {"OPTIONS", "RFC 3261 §11",
     "Asks a server or device for its capabilities (Allow, Accept, Supported) without setting "
     "up a call.",
     "Keepalives and health checks between proxies, SBCs, trunks and phones, and capability "
     "queries.",
     "If OPTIONS go unanswered, the peer marks the trunk or phone as down: check reachability "
     "and firewalls. Any response, even 404 or 405, proves the peer is alive."},
    {"PRACK", "RFC 3262",
     "Acknowledges a reliable provisional response, one sent with Require: 100rel and an RSeq "
     "header.",
     "Calls using 100rel, typically a 183 with early media from carriers and IMS networks.",
     "The RAck header must echo the RSeq and CSeq of the provisional response. If the 18x keeps "
     "being resent and the call fails, the PRACK is lost or rejected (481, 420): check 100rel "
     "support on both sides."},
    {"PUBLISH", "RFC 3903",
     "Uploads event state, such as presence, to a state agent that then notifies the "
     "subscribers.",
     "Presence-enabled clients publishing their status, and refreshing it before it expires.",
     "Refreshes must send the SIP-ETag from the last 2xx in SIP-If-Match; a 412 means that state "
     "is gone, so publish from scratch. A 489 means the server lacks the event package."},
    {"REFER", "RFC 3515",
     "Asks the recipient to send a request, usually an INVITE, to the URI in Refer-To. This is "
     "how SIP transfers a call.",
     "Blind transfer (Refer-To holds the new target) and attended transfer (Refer-To embeds a "
     "Replaces header naming the consultation call).",
     "Expect 202, then NOTIFYs with Event: refer;id=<CSeq of the REFER> and message/sipfrag "
     "bodies reporting the new call. Refer-Sub: false (RFC 4488) suppresses those NOTIFYs. If "
     "the transfer fails, check REFER support (405, 501), transfer permission (403), and for "
     "attended transfer that the dialog named in Replaces still exists."},
    {"REGISTER", "RFC 3261 §10",
     "Binds the user's address of record (the To URI) to the device's Contact address for a "
     "limited time.",
     "At start-up and before each expiry (typically every 60 to 3600 s). Expires: 0 removes the "
     "binding.",
     "Expect 401 then 200. Check the expiry granted in the 200 OK, the Contact (a private IP "
     "behind NAT needs fixing up or keepalives), and repeated 401 or 403 for bad credentials; "
     "a registration that lapses makes incoming calls fail with 404 or 480."},
    {"SUBSCRIBE", "RFC 6665",
     "Asks to be told about the state of a resource (Event: presence, dialog, message-summary "
     "...) for the time given in Expires.",
     "BLF lamps, presence and voicemail indicators (MWI); refreshed before expiry. Expires: 0 "
     "ends the subscription.",
     "Expect 200 (older servers: 202) followed at once by a NOTIFY. A 489 means the package is "
     "not supported, and a 481 to a refresh means the server lost the subscription, so "
     "subscribe again; stuck BLF lamps point at refresh intervals or NOTIFYs blocked by NAT."},
    {"UPDATE", "RFC 3311",
     "Changes session parameters (SDP or session timer) without a new INVITE, even before the "
     "call is answered.",
     "Media changes in early dialogs (preconditions), session timer refreshes, and some SBCs' "
     "codec changes.",
     "Both sides must list UPDATE in Allow, otherwise expect 405 or 501 and use a re-INVITE. A "
     "491 means another offer is still pending in the dialog."},
};

#define METHOD_COUNT (sizeof method_table / sizeof method_table[0])

/* ------------------------------------------------------------------------ */
/* Notes on pairs that are often confused. Terms: a code, a class ("4xx") or  */
/* a method name; compared case-insensitively and in either order.           */

typedef struct pair_note {
    const char *a;
    const char *b;
    const char *note;
} pair_note;

static const pair_note pair_table[] = {
    {"100", "180",
     "100 is hop by hop: only the next server has the request. 180 is end to end: the callee's "
     "device is ringing."},
    {"180", "183",
     "180 says the callee is being alerted; without SDP the caller plays ringback itself. 183 "
     "usually carries SDP for early media, so tones or announcements come from the network as "
     "RTP, and silence before the answer means that RTP is not getting through."},
    {"200", "202",
     "200 means the request is done and succeeded. 202 only means it was accepted; the real "
     "outcome is reported later, usually by NOTIFY, so a transfer can still fail after a 202."},
    {"202", "401",
     "202 means the request was accepted and its outcome follows later (for REFER, in "
     "NOTIFYs). 401 means nothing was done yet because the sender must authenticate first. "
     "401 then 202 is the normal digest exchange; a REFER stuck on 401 never starts the "
     "transfer, so check the credentials used for in-dialog requests."},
    {"202", "REFER",
     "For REFER, 202 is the expected answer: the transferee agreed to try, and the result "
     "arrives in NOTIFYs with message/sipfrag bodies. For SUBSCRIBE and MESSAGE, 202 is a "
     "legacy answer (RFC 6665 prefers 200) meaning only that the request was taken; for MESSAGE "
     "it does not prove delivery."},
    {"301", "302",
     "301 means the move is permanent: update stored addresses. 302 applies to this call only: "
     "retry to the Contact but keep the original address."},
    {"302", "305",
     "302 gives a new target: send a new request to the Contact URI. 305 says to send the same "
     "request through the proxy in Contact; it is rare and often ignored for security reasons."},
    {"401", "403",
     "401 asks the sender to authenticate and retry; 403 refuses, and retrying with the same "
     "credentials will not help. 401 followed by 403 usually means a wrong password or auth "
     "username; a 403 with no challenge points at policy (IP ACL, dial permissions, disabled "
     "account)."},
    {"401", "407",
     "Both ask for digest credentials. 401 comes from the registrar or UAS and is answered with "
     "Authorization; 407 comes from a proxy on the path and is answered with "
     "Proxy-Authorization. A 407 loop often means the proxy account (e.g. a trunk) differs from "
     "the registration account, or the answer went into the wrong header."},
    {"403", "404",
     "403 means the target may exist but this sender may not reach it (policy); 404 means the "
     "target does not exist in that domain. For 403 check permissions and ACLs; for 404 check "
     "the number, its format and the routing table."},
    {"403", "407",
     "407 asks for proxy credentials and expects a retry; 403 refuses even valid credentials. "
     "A 407 then a 403 on the retry means the password is wrong or the account may not make "
     "this call."},
    {"404", "480",
     "404 says the user is unknown in the domain; 480 says the user exists but cannot be "
     "reached now (not registered, DND, no answer). Some proxies answer 404 for users who are "
     "merely not registered, so check the location table before deciding the account is "
     "missing."},
    {"404", "604",
     "404 is this server's view: the user is not known here. 604 claims the user exists "
     "nowhere, so proxies stop trying other routes."},
    {"405", "501",
     "405 means the server knows the method but does not allow it for this target (see Allow); "
     "501 means it does not implement the method at all."},
    {"408", "480",
     "408 means no final response arrived in time, often a proxy timing out towards a dead "
     "Contact; 480 is an explicit answer that the user is unavailable. 408 points at "
     "reachability (NAT bindings, stale registrations), 480 at the user's state."},
    {"408", "504",
     "408 is a 4xx: the request timed out, usually towards the callee's device. 504 is a 5xx: a "
     "server timed out waiting for another server (next proxy, trunk, DNS). For 408 check the "
     "path to the callee; for 504 check the upstream of the server that sent it."},
    {"415", "488",
     "415 rejects the body type itself (Content-Type); 488 understood the SDP but cannot accept "
     "the session it describes (codecs, media, SRTP)."},
    {"480", "486",
     "480 means the callee cannot be reached right now (offline, DND, no answer); 486 means the "
     "device was reached but is busy. For 480 check registration and DND; for 486 look for stuck "
     "calls or call limits."},
    {"481", "487",
     "487 is the normal answer to an INVITE that was cancelled. 481 means the receiver has no "
     "matching dialog or transaction, e.g. a CANCEL after the INVITE completed or a BYE for a "
     "dialog already gone. 487 needs no action; 481 points at lost state or rewritten Call-ID "
     "or tags."},
    {"481", "BYE",
     "481 to a BYE means the receiver no longer has that dialog: it was already ended (session "
     "timer, restart, earlier BYE), or the BYE reached the wrong host or carried changed tags. "
     "The call is over on that side either way."},
    {"486", "600",
     "486 Busy Here is about one device, so the proxy may still try the user's other devices or "
     "voicemail. 600 Busy Everywhere says no device can take the call, so proxies stop "
     "forking."},
    {"486", "603",
     "486 means busy, and the call could work later. 603 means the callee declined this call, "
     "by hand or through a rejection rule, and no other device should be tried. Phones differ "
     "in which one their reject button sends."},
    {"487", "CANCEL",
     "The CANCEL gets its own 200 OK, and the cancelled INVITE then gets 487; both are "
     "expected. If no 487 comes, the callee did not match the CANCEL to the INVITE."},
    {"488", "606",
     "Both reject the offered session, usually over codecs or media. 488 is from this device "
     "only, so other branches may still accept; 606 says no device will, so the caller must "
     "change the offer."},
    {"489", "NOTIFY",
     "A NOTIFY answered 489 means the receiver does not support its event package, e.g. "
     "Event: refer at a transferor that does not expect REFER's implicit subscription. Use "
     "Refer-Sub: false or a UA that handles the package."},
    {"500", "503",
     "500 is an unexpected fault inside the server; 503 is a known, temporary inability "
     "(overload, maintenance, no route). On 503 fail over and respect Retry-After; on 500 read "
     "the server's log."},
    {"503", "504",
     "503 says this server cannot serve the request now; 504 says it tried a further server "
     "and got no answer in time. On 504, look one hop further."},
    {"603", "607",
     "603 is a plain decline. 607 says the callee considers the call unwanted (spam), which "
     "may hurt the calling number's reputation in call analytics."},
    {"607", "608",
     "607 comes from the called user marking the call unwanted; 608 comes from an "
     "intermediary (analytics or anti-fraud engine) that rejected it before the user saw it."},
    {"4xx", "5xx",
     "4xx says the request itself must change (credentials, number, SDP) before a retry can "
     "work. 5xx says the server failed, so the same request may work later or on another "
     "server."},
    {"4xx", "6xx",
     "4xx applies to this server or device, so other branches or servers might succeed. 6xx is "
     "global: proxies stop trying other destinations."},
    {"5xx", "6xx",
     "5xx is a server-side problem that failover may fix; 6xx is a definitive answer that no "
     "other server or device will change."},
    {"ACK", "PRACK",
     "ACK confirms a final response to INVITE and gets no response. PRACK confirms a reliable "
     "provisional response (100rel) and gets its own 200 OK."},
    {"BYE", "CANCEL",
     "CANCEL stops a call that is not answered yet; BYE ends a call after the answer. A CANCEL "
     "that crosses a 200 OK does nothing, so the caller must ACK and then send BYE."},
    {"INFO", "MESSAGE",
     "INFO carries data inside an existing dialog (call), such as DTMF; MESSAGE is a standalone "
     "instant message that needs no dialog. Chat sent as INFO, or DTMF sent as MESSAGE, fails on "
     "most devices."},
    {"INVITE", "UPDATE",
     "Both can change a session. A re-INVITE needs an established dialog and completes with "
     "ACK; UPDATE also works in an early dialog and has no ACK. Use UPDATE only if the peer "
     "lists it in Allow."},
    {"NOTIFY", "REFER",
     "REFER asks the transferee to make a call; the NOTIFYs that follow report how that call "
     "goes (message/sipfrag with 100 Trying, 180, 200 OK or a failure). The transfer is done "
     "when a NOTIFY carries a final status and Subscription-State: terminated."},
    {"NOTIFY", "SUBSCRIBE",
     "SUBSCRIBE creates or refreshes a subscription; NOTIFY delivers the state, once right after "
     "the SUBSCRIBE is accepted and then on every change. A SUBSCRIBE answered 200 with no "
     "NOTIFY points at NOTIFYs blocked on the way back (NAT, wrong Contact)."},
    {"PUBLISH", "SUBSCRIBE",
     "SUBSCRIBE asks to receive someone's state; PUBLISH sends your own state to the server "
     "that distributes it."},
};

#define PAIR_COUNT (sizeof pair_table / sizeof pair_table[0])

/* ------------------------------------------------------------------------ */
/* Lookups                                                                    */

static int cmp_status(const void *key, const void *elem)
{
    int code = *(const int *)key;
    const sw_status_ref *e = elem;
    return (code > e->code) - (code < e->code);
}

const sw_status_ref *sw_reference_status(int code)
{
    return bsearch(&code, status_table, STATUS_COUNT, sizeof status_table[0], cmp_status);
}

/* Codes whose general meaning speaks of the session offer (SDP), said again
 * for the requests that carry none. */
static const struct {
    int code;
    const char *meaning;
} no_offer_meanings[] = {
    {488, "The request was understood, but something it carries is not acceptable here. This request has no "
          "session offer, so it is not about SDP: for a REFER, the Refer-To (such as an attended transfer's "
          "Replaces); for a NOTIFY or SUBSCRIBE, the event package, its parameters or its body."},
    {606, "The user does not accept the request as made, anywhere. This request has no session offer, so it "
          "is not about SDP: look at what the request asks for (Refer-To, Event, body)."},
};

/* The methods whose requests or answers carry SDP offers and answers. */
static bool carries_offer(const char *method)
{
    return !method || !*method || strcasecmp(method, "INVITE") == 0 || strcasecmp(method, "UPDATE") == 0 ||
           strcasecmp(method, "PRACK") == 0 || strcasecmp(method, "ACK") == 0;
}

const char *sw_reference_status_meaning(int code, const char *method)
{
    const sw_status_ref *r = sw_reference_status(code);
    if (!r)
        return NULL;
    if (!carries_offer(method))
        for (size_t i = 0; i < sizeof no_offer_meanings / sizeof no_offer_meanings[0]; i++)
            if (no_offer_meanings[i].code == code)
                return no_offer_meanings[i].meaning;
    return r->meaning;
}

const sw_status_ref *sw_reference_status_class(int code)
{
    int cls;
    if (code >= 1 && code <= 6)
        cls = code;
    else if (code >= 100 && code <= 699)
        cls = code / 100;
    else
        return NULL;
    return &class_table[cls - 1];
}

static int cmp_method(const void *key, const void *elem)
{
    const sw_method_ref *e = elem;
    return strcasecmp(key, e->method);
}

const sw_method_ref *sw_reference_method(const char *name)
{
    if (!name || !*name)
        return NULL;
    return bsearch(name, method_table, METHOD_COUNT, sizeof method_table[0], cmp_method);
}

const char *sw_reference_pair_note(const char *a, const char *b)
{
    if (!a || !b)
        return NULL;
    for (size_t i = 0; i < PAIR_COUNT; i++) {
        const pair_note *p = &pair_table[i];
        if ((!strcasecmp(a, p->a) && !strcasecmp(b, p->b)) ||
            (!strcasecmp(a, p->b) && !strcasecmp(b, p->a)))
            return p->note;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Term resolution                                                            */

typedef enum term_kind { TERM_STATUS, TERM_UNREGISTERED, TERM_CLASS, TERM_METHOD } term_kind;

typedef struct term {
    term_kind kind;
    int code;                       /* status code, or class digit for TERM_CLASS */
    const sw_status_ref *status;    /* entry, or class entry for UNREGISTERED/CLASS */
    const sw_method_ref *method;
    char key[16];                   /* canonical form for pair notes: "401", "4xx", "REFER" */
} term;

static const char *const class_names[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "6xx"};

static int resolve_term(const char *s, term *t)
{
    memset(t, 0, sizeof *t);
    if (!s)
        return -1;
    size_t n = strlen(s);
    if (n == 3 && s[0] >= '1' && s[0] <= '6') {
        if (isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2])) {
            t->code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
            t->status = sw_reference_status(t->code);
            t->kind = TERM_STATUS;
            if (!t->status) {
                t->kind = TERM_UNREGISTERED;
                t->status = sw_reference_status_class(t->code);
            }
            memcpy(t->key, s, 4);
            return 0;
        }
        if ((s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X')) {
            t->kind = TERM_CLASS;
            t->code = s[0] - '0';
            t->status = sw_reference_status_class(t->code);
            memcpy(t->key, class_names[t->code - 1], 4);
            return 0;
        }
        return -1;
    }
    t->method = sw_reference_method(s);
    if (!t->method)
        return -1;
    t->kind = TERM_METHOD;
    snprintf(t->key, sizeof t->key, "%s", t->method->method);
    return 0;
}

/* "4xx Client failure" for the class of a status code (any 100..699). */
static void class_label(int code, char *buf, size_t len)
{
    const sw_status_ref *c = sw_reference_status_class(code);
    snprintf(buf, len, "%s %s", class_names[code / 100 - 1], c ? c->reason : "?");
}

/* ------------------------------------------------------------------------ */
/* Wrapping. Widths count display columns: UTF-8 continuation bytes take none */
/* (the tables only use ASCII and '§').                                       */

static int u8_cols(const char *s, size_t n)
{
    return sw_text_width_n(s, n);
}

/* Next line of `text` from *pos that fits in `cols` columns (the text
 * toolkit's word wrap: words are kept whole unless one alone is wider than
 * a line). Returns 0 at the end. */
static int next_line(const char *text, size_t *pos, int cols, size_t *start, size_t *len, int *ncols)
{
    size_t p = *pos;
    while (text[p] == ' ')
        p++;
    if (!text[p])
        return 0;
    sw_text_span line;
    sw_text_wrap_lines(text + p, cols, &line, 1);
    *start = p + line.off;
    *len = line.len;
    *ncols = sw_text_width_n(text + *start, line.len);
    *pos = *start + line.len;
    return 1;
}

static void put_spaces(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc(' ', out);
}

/* Prints `label` padded to `indent` columns, then `text` wrapped to `width`
 * with a hanging indent. An empty text still prints the label line. */
static void print_field(FILE *out, const char *label, int indent, const char *text, int width)
{
    int avail = width - indent;
    size_t pos = 0, st, ln;
    int nc, first = 1;
    if (avail < 10)
        avail = 10;
    while (next_line(text, &pos, avail, &st, &ln, &nc)) {
        if (first) {
            fputs(label, out);
            put_spaces(out, indent - u8_cols(label, strlen(label)));
        } else {
            put_spaces(out, indent);
        }
        fwrite(text + st, 1, ln, out);
        fputc('\n', out);
        first = 0;
    }
    if (first) {
        fputs(label, out);
        fputc('\n', out);
    }
}

/* A heading wrapped to `width`, continuation lines indented by two. */
static void print_heading(FILE *out, const char *text, int width)
{
    size_t pos = 0, st, ln;
    int nc, first = 1;
    while (next_line(text, &pos, first ? width : width - 2, &st, &ln, &nc)) {
        if (!first)
            put_spaces(out, 2);
        fwrite(text + st, 1, ln, out);
        fputc('\n', out);
        first = 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Single entry                                                               */

static void print_status_fields(FILE *out, const sw_status_ref *e, int width)
{
    print_field(out, "Meaning:", 12, e->meaning, width);
    print_field(out, "When:", 12, e->when, width);
    print_field(out, "What to do:", 12, e->action, width);
}

static void print_block(FILE *out, const term *t, int width)
{
    char title[256], cls[64];
    switch (t->kind) {
    case TERM_STATUS:
        class_label(t->code, cls, sizeof cls);
        snprintf(title, sizeof title, "%d %s  (%s; %s)", t->code, t->status->reason, cls,
                 t->status->rfc);
        print_heading(out, title, width);
        print_status_fields(out, t->status, width);
        break;
    case TERM_UNREGISTERED:
        snprintf(title, sizeof title, "%d: not a registered SIP status code; its class, %s, "
                 "applies:", t->code, class_names[t->code / 100 - 1]);
        print_heading(out, title, width);
        /* fall through */
    case TERM_CLASS:
        snprintf(title, sizeof title, "%s %s  (response class; %s)",
                 class_names[t->status->code / 100 - 1], t->status->reason, t->status->rfc);
        print_heading(out, title, width);
        print_status_fields(out, t->status, width);
        break;
    case TERM_METHOD:
        snprintf(title, sizeof title, "%s  (method; %s)", t->method->method, t->method->rfc);
        print_heading(out, title, width);
        print_field(out, "Meaning:", 15, t->method->meaning, width);
        print_field(out, "When:", 15, t->method->when, width);
        print_field(out, "What to check:", 15, t->method->action, width);
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Side-by-side comparison                                                    */

enum { ROW_TITLE, ROW_CLASS, ROW_RFC, ROW_MEANING, ROW_WHEN, ROW_ACTION, ROW_COUNT };

static const char *const row_labels[ROW_COUNT] = {"", "Class", "RFC", "Meaning", "When",
                                                  "What to do"};

#define LABEL_COLS 10
#define MIN_CELL_COLS 20
#define MAX_CELL_COLS 60
#define MAX_TERMS 4
#define PROSE_MAX_COLS 100 /* running text stays readable on very wide terminals */

typedef struct cell_texts {
    char title[96];
    char cls[96];
    const char *text[ROW_COUNT];
} cell_texts;

static void fill_cells(const term *t, cell_texts *c)
{
    switch (t->kind) {
    case TERM_STATUS:
        snprintf(c->title, sizeof c->title, "%d %s", t->code, t->status->reason);
        class_label(t->code, c->cls, sizeof c->cls);
        break;
    case TERM_UNREGISTERED:
        snprintf(c->title, sizeof c->title, "%d (not a registered code)", t->code);
        class_label(t->code, c->cls, sizeof c->cls);
        break;
    case TERM_CLASS:
        snprintf(c->title, sizeof c->title, "%s %s", class_names[t->code - 1], t->status->reason);
        snprintf(c->cls, sizeof c->cls, "response class");
        break;
    case TERM_METHOD:
        snprintf(c->title, sizeof c->title, "%s", t->method->method);
        snprintf(c->cls, sizeof c->cls, "method");
        break;
    }
    c->text[ROW_TITLE] = c->title;
    c->text[ROW_CLASS] = c->cls;
    if (t->kind == TERM_METHOD) {
        c->text[ROW_RFC] = t->method->rfc;
        c->text[ROW_MEANING] = t->method->meaning;
        c->text[ROW_WHEN] = t->method->when;
        c->text[ROW_ACTION] = t->method->action;
    } else {
        c->text[ROW_RFC] = t->status->rfc;
        c->text[ROW_MEANING] = t->status->meaning;
        c->text[ROW_WHEN] = t->status->when;
        c->text[ROW_ACTION] = t->status->action;
    }
}

static void print_rule(FILE *out, int n, int cw)
{
    for (int i = 0; i < LABEL_COLS; i++)
        fputc('-', out);
    for (int k = 0; k < n; k++) {
        fputs("-+-", out);
        for (int i = 0; i < cw; i++)
            fputc('-', out);
    }
    fputc('\n', out);
}

static void print_table(FILE *out, const term *t, int n, int cw)
{
    cell_texts cells[MAX_TERMS];
    for (int k = 0; k < n; k++)
        fill_cells(&t[k], &cells[k]);

    for (int r = 0; r < ROW_COUNT; r++) {
        if (r > 0)
            print_rule(out, n, cw);
        size_t pos[MAX_TERMS] = {0};
        for (int line = 0;; line++) {
            size_t st[MAX_TERMS], ln[MAX_TERMS];
            int nc[MAX_TERMS], got[MAX_TERMS], any = 0, last = -1;
            for (int k = 0; k < n; k++) {
                got[k] = next_line(cells[k].text[r], &pos[k], cw, &st[k], &ln[k], &nc[k]);
                if (got[k]) {
                    any = 1;
                    last = k;
                }
            }
            if (!any)
                break;
            const char *label = line == 0 ? row_labels[r] : "";
            fputs(label, out);
            put_spaces(out, LABEL_COLS - (int)strlen(label));
            /* Separators up to the last non-empty cell; no trailing blanks. */
            for (int k = 0; k <= last; k++) {
                fputs(" | ", out);
                if (got[k])
                    fwrite(cells[k].text[r] + st[k], 1, ln[k], out);
                if (k < last)
                    put_spaces(out, cw - (got[k] ? nc[k] : 0));
            }
            fputc('\n', out);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                                */

static void print_term_name(FILE *err, const char *s)
{
    /* Quote at most 64 bytes and replace control characters. */
    for (size_t i = 0; s[i] && i < 64; i++)
        fputc(((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i], err);
}

int sw_explain(FILE *out, FILE *err, int nterms, char *const terms[], int width)
{
    term t[MAX_TERMS];

    if (nterms < 1 || nterms > MAX_TERMS || !terms) {
        fprintf(err, "sipwatch: --explain: give 1 to %d status codes or methods\n", MAX_TERMS);
        return 1;
    }
    for (int k = 0; k < nterms; k++) {
        if (resolve_term(terms[k], &t[k]) != 0) {
            fputs("sipwatch: --explain: unknown status code or method '", err);
            print_term_name(err, terms[k] ? terms[k] : "");
            fputs("'\n", err);
            return 1;
        }
    }

    if (width <= 0)
        width = 80;
    if (width < 40)
        width = 40; /* hanging indents need room; narrower terminals get 40 */

    int prose = width < PROSE_MAX_COLS ? width : PROSE_MAX_COLS;
    if (nterms == 1) {
        print_block(out, &t[0], prose);
        return 0;
    }

    int cw = (width - LABEL_COLS - 3 * nterms) / nterms;
    if (cw > MAX_CELL_COLS)
        cw = MAX_CELL_COLS;
    if (width >= 100 && cw >= MIN_CELL_COLS) {
        print_table(out, t, nterms, cw);
    } else {
        for (int k = 0; k < nterms; k++) {
            if (k > 0)
                fputc('\n', out);
            print_block(out, &t[k], prose);
        }
    }

    for (int i = 0; i < nterms; i++) {
        for (int j = i + 1; j < nterms; j++) {
            const char *note = sw_reference_pair_note(t[i].key, t[j].key);
            if (!note)
                continue;
            char heading[64];
            snprintf(heading, sizeof heading, "Key difference, %s vs %s:", t[i].key, t[j].key);
            fputc('\n', out);
            print_heading(out, heading, prose);
            print_field(out, "", 2, note, prose);
        }
    }
    return 0;
}
