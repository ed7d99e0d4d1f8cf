// Sign-up mail over real SMTP: an smtp-server listener on 127.0.0.1 receives
// what the instance sends when SMTP_SERVER/SMTP_PORT point at it.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, describe, expect, it } from "vitest";
import { createLogMailer, createSmtpMailer, type Mailer } from "../src/mail/mailer.ts";
import { createLogger, silentLogger, type Logger } from "../src/logger.ts";
import { tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

interface Received {
  from: string;
  to: string[];
  raw: string;
}

const received: Received[] = [];
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      received.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString("utf8"),
      });
      callback();
    });
  },
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.server.address() as AddressInfo).port;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// The instance's mailer is built from the instance's own configuration.
let smtp: Mailer | null = null;
const t = await createTestInstance({
  env: {
    SMTP_SERVER: "127.0.0.1",
    SMTP_PORT: String(port),
    SMTP_ENABLE_STARTTLS: "never",
    SMTP_FROM_ADDRESS: "notifications@herd.test",
  },
  mailer: { send: (mail) => smtp!.send(mail) },
});
smtp = await createSmtpMailer(t.config.smtp!, silentLogger);

/** Undoes quoted-printable soft line breaks and escapes. */
const decodeQp = (s: string) =>
  s
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

describe("sign-up mail over SMTP", () => {
  it("is configured from SMTP_SERVER and SMTP_PORT", () => {
    expect(t.config.smtp).toMatchObject({ server: "127.0.0.1", port, starttls: "never" });
  });

  it("delivers the confirmation link, and following it confirms the account", async () => {
    const username = `smtp${Date.now().toString(36)}`;
    const email = `${username}@example.com`;
    const signUp = await t.json("/api/v1/accounts", {
      method: "POST",
      token: await tokenFor(t, null, ["write:accounts"]),
      json: { username, email, password: "password123", agreement: true },
    });
    expect(signUp.status).toBe(200);

    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.from).toBe("notifications@herd.test");
    expect(mail.to).toEqual([email]);
    expect(mail.raw).toMatch(/^Subject: Herd: confirm your e-mail address\r?$/m);
    const body = decodeQp(mail.raw);
    const m = /https:\/\/herd\.test(\/auth\/confirmation\?confirmation_token=[A-Za-z0-9_-]+)/.exec(
      body,
    );
    expect(m).not.toBeNull();

    const token = signUp.body.access_token as string;
    expect((await t.json("/api/v1/accounts/verify_credentials", { token })).status).toBe(403);
    const page = await t.request(m![1]!);
    expect(page.status).toBe(200);
    const me = await t.json("/api/v1/accounts/verify_credentials", { token });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe(username);
  });
});

// Without SMTP_SERVER, main.ts uses the log mailer: the link must reach the log.
const lines: Record<string, unknown>[] = [];
const capture: Logger = {
  ...createLogger("silent"),
  info: (msg, fields) => void lines.push({ msg, ...fields }),
  enabled: (level) => level === "info",
};
const logged = await createTestInstance({ mailer: createLogMailer(capture) });

describe("without SMTP_SERVER", () => {
  it("writes the confirmation mail, link included, to the log", async () => {
    expect(logged.config.smtp).toBeNull();
    const username = `log${Date.now().toString(36)}`;
    const signUp = await logged.json("/api/v1/accounts", {
      method: "POST",
      token: await tokenFor(logged, null, ["write:accounts"]),
      json: {
        username,
        email: `${username}@example.com`,
        password: "password123",
        agreement: true,
      },
    });
    expect(signUp.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ to: `${username}@example.com` });
    const m = /https:\/\/herd\.test(\/auth\/confirmation\?confirmation_token=[A-Za-z0-9_-]+)/.exec(
      String(lines[0]!.text),
    );
    expect(m).not.toBeNull();
    expect((await logged.request(m![1]!)).status).toBe(200);
  });
});
