// Outgoing e-mail: over SMTP when SMTP_SERVER is set (Mastodon's variables),
// otherwise written to the log so that a development server still shows the
// confirmation link.
import type { SmtpConfig } from "../config.ts";
import type { Logger } from "../logger.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export function createLogMailer(logger: Logger): Mailer {
  return {
    async send(mail) {
      logger.info("mail (no SMTP_SERVER set, not sent)", {
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
      });
    },
  };
}

export async function createSmtpMailer(smtp: SmtpConfig, logger: Logger): Promise<Mailer> {
  // Imported lazily: nodemailer is only loaded where mail is really sent.
  const nodemailer = (await import("nodemailer")).default;
  const transport = nodemailer.createTransport({
    host: smtp.server,
    port: smtp.port,
    secure: smtp.tls,
    requireTLS: smtp.starttls === "always",
    ignoreTLS: smtp.starttls === "never",
    auth: smtp.login ? { user: smtp.login, pass: smtp.password ?? "" } : undefined,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: smtp.fromAddress, ...mail });
      logger.info("mail sent", { to: mail.to, subject: mail.subject });
    },
  };
}
