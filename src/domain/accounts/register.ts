// Sign-up through an app (POST /api/v1/accounts), as Mastodon's
// AppSignUpService and RegistrationHelper: closed registrations (or single
// user mode) refuse it; `approved` mode creates the user unapproved (and may
// require a reason); the new user must confirm the e-mail address before the
// returned token works on user endpoints. The token gets the scopes the app
// was registered with. The staff hear of the sign-up (admin.sign_up) when the
// user becomes active, at confirmation or approval (confirmation.ts,
// moderation.ts), not here. https://docs.joinmastodon.org/methods/accounts/#create
import type { Db } from "../../db/database.ts";
import {
  oauthAccessTokens,
  type AccessTokenRow,
  type AccountRow,
  type ApplicationRow,
  type UserRow,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { randomToken, sha256 } from "../../lib/tokens.ts";
import { DomainError } from "../errors.ts";
import { getSettings } from "../instance/settings.ts";
import { newConfirmationToken, sendConfirmationMail, type MailContext } from "./confirmation.ts";
import {
  addError,
  checkNewAccount,
  insertLocalAccount,
  normalizeEmail,
  normalizeUsername,
  takenError,
  validationError,
} from "./create-local-account.ts";
import { availableLocale } from "./locales.ts";
import { hashPassword } from "./passwords.ts";

/** UserInviteRequest::TEXT_SIZE_LIMIT. */
export const REASON_MAX = 420;

export interface SignUp {
  application: ApplicationRow;
  ip: string | null;
  username: string;
  email: string;
  password: string;
  /** As sent: Rails' acceptance takes true, "true" or "1". */
  agreement: unknown;
  locale?: string;
  reason?: string;
  /** SINGLE_USER_MODE: nobody signs up. */
  singleUserMode: boolean;
}

export interface SignedUp {
  account: AccountRow;
  user: UserRow;
  token: { accessToken: string; row: AccessTokenRow };
}

const accepted = (v: unknown) => v === true || v === "true" || v === "1";

export async function registerAccount(db: Db, mail: MailContext, input: SignUp): Promise<SignedUp> {
  const settings = await getSettings(db);
  if (input.singleUserMode || settings.registrations_mode === "none") {
    // Api::V1::AccountsController#check_enabled_registrations → `forbidden`.
    throw new DomainError("forbidden", "Forbidden");
  }
  const username = normalizeUsername(input.username);
  const email = normalizeEmail(input.email);
  const reason = input.reason?.trim() ?? "";
  const approvalRequired = settings.registrations_mode === "approved";

  const details = await checkNewAccount(db, { username, email, password: input.password });
  if (approvalRequired && settings.require_invite_text && reason === "") {
    addError(details, "reason", "ERR_BLANK", "can't be blank");
  } else if ([...reason].length > REASON_MAX) {
    addError(
      details,
      "reason",
      "ERR_TOO_LONG",
      `is too long (maximum is ${REASON_MAX} characters)`,
    );
  }
  const locale = input.locale ? availableLocale(input.locale) : null;
  if (input.locale && !locale) {
    addError(details, "locale", "ERR_INCLUSION", "is not included in the list");
  }
  if (!accepted(input.agreement)) {
    addError(details, "agreement", "ERR_ACCEPTED", "must be accepted");
  }
  if (Object.keys(details).length > 0) throw validationError(details);

  const encryptedPassword = await hashPassword(input.password);
  const confirmation = newConfirmationToken();
  const accessToken = randomToken();
  let created: Omit<SignedUp, "token"> & { tokenRow: AccessTokenRow };
  try {
    created = await db.transaction(async (tx) => {
      const { account, user } = await insertLocalAccount(
        tx,
        {
          username,
          email,
          password: input.password,
          locale,
          reason: reason || null,
          agreement: true,
          confirmed: false,
          approved: !approvalRequired,
          signUpIp: input.ip,
          createdByApplicationId: input.application.id,
          confirmationTokenDigest: confirmation.digest,
          confirmationSentAt: confirmation.sentAt,
        },
        encryptedPassword,
      );
      const [tokenRow] = await tx
        .insert(oauthAccessTokens)
        .values({
          id: newId(),
          tokenDigest: sha256(accessToken),
          applicationId: input.application.id,
          userId: user.id,
          scopes: input.application.scopes,
        })
        .returning();
      return { account, user, tokenRow: tokenRow! };
    });
  } catch (error) {
    throw takenError(error) ?? error;
  }

  await sendConfirmationMail(db, mail, {
    to: email,
    username,
    token: confirmation.token,
    emailChange: false,
  });
  return {
    account: created.account,
    user: created.user,
    token: { accessToken, row: created.tokenRow },
  };
}
