// The client's address, as Rails' ActionDispatch::RemoteIp reads it behind
// trusted proxies, and the address rate limits count per (Rack::Attack's
// throttleable_remote_ip in Mastodon: IPv6 clients by /64).
import { BlockList, isIP } from "node:net";
import type { Context } from "hono";
import type { HerdEnv } from "./env.ts";
import { requestHeader } from "./fast-headers.ts";

let trusted: BlockList | null = null;

/** Rails' default trusted proxies: loopback, private and link-local networks. */
function trustedProxies(): BlockList {
  if (trusted) return trusted;
  trusted = new BlockList();
  for (const [net, bits] of [
    ["127.0.0.0", 8],
    ["10.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["169.254.0.0", 16],
  ] as const) {
    trusted.addSubnet(net, bits, "ipv4");
  }
  for (const [net, bits] of [
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
  ] as const) {
    trusted.addSubnet(net, bits, "ipv6");
  }
  return trusted;
}

/** An address as written in a header or by the socket, normalized; null if not an address. */
export function normalizeIp(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let ip = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) ip = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(":"));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const version = isIP(ip);
  if (version === 0) return null;
  return version === 6 ? ip.toLowerCase() : ip;
}

export function isTrustedProxy(ip: string): boolean {
  const version = isIP(ip);
  if (version === 0) return false;
  return trustedProxies().check(ip, version === 4 ? "ipv4" : "ipv6");
}

export function isLoopback(ip: string): boolean {
  return ip === "127.0.0.1" || ip === "::1";
}

/** The socket's peer, normalized, and whether it is a trusted proxy. */
interface Peer {
  ip: string | null;
  trusted: boolean;
}

// Remembered per socket: a keep-alive connection carries many requests, and
// its peer does not change.
const peers = new WeakMap<object, Peer>();
const NO_PEER: Peer = { ip: null, trusted: true };

function peerOf(c: Context<HerdEnv>): Peer {
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming?.socket;
  if (!socket) return NO_PEER;
  let peer = peers.get(socket);
  if (!peer) {
    const ip = normalizeIp(socket.remoteAddress);
    peer = { ip, trusted: ip === null || isTrustedProxy(ip) };
    // An address is only known once connected; a socket without one is not remembered.
    if (ip !== null) peers.set(socket, peer);
  }
  return peer;
}

/**
 * The client's address, as Rails' remote_ip: a peer that is a trusted proxy
 * (or no peer at all: a request made in process) is believed about the
 * client, which is the right-most X-Forwarded-For address that is not itself
 * a proxy. Anyone else is the client. "unknown" when nothing says.
 */
export function clientIp(c: Context<HerdEnv>): string {
  const peer = peerOf(c);
  if (!peer.trusted) return peer.ip!;
  const forwarded = requestHeader(c, "x-forwarded-for");
  const realIp = requestHeader(c, "x-real-ip");
  // No proxy's word about the client: the peer is the client.
  if (forwarded === undefined && realIp === undefined) return peer.ip ?? "unknown";
  const chain = (forwarded ?? "")
    .split(",")
    .map((part) => normalizeIp(part))
    .filter((ip): ip is string => ip !== null);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrustedProxy(chain[i]!)) return chain[i]!;
  }
  return chain[0] ?? normalizeIp(realIp) ?? peer.ip ?? "unknown";
}

/** The /64 network of an IPv6 address (one subscriber), written as `a:b:c:d::/64`. */
function ipv6Network(ip: string): string {
  const [head = "", tail] = ip.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  // An embedded IPv4 address (last 32 bits) counts as one group here, which
  // only shifts groups after the fourth.
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0")];
  const first = groups.slice(0, 4).map((g) => (g.replace(/^0+(?=.)/, "") || "0").toLowerCase());
  return `${first.join(":")}::/64`;
}

/** The address a per-IP counter is kept for: the client's, IPv6 by /64 (Mastodon's throttleable_remote_ip). */
export function throttleIp(c: Context<HerdEnv>): string {
  const ip = clientIp(c);
  return isIP(ip) === 6 ? ipv6Network(ip) : ip;
}
