// One browser scenario against a running df-auth: `node pages.mjs SCENARIO BASE_URL SHOT ARGS_JSON`.
// Drives Debian's chromium (headless) with playwright-core, writes the screenshot SHOT and prints
// one JSON line of what it saw ({"result": ..., "console": [...], "requests": [...]}); the Python
// test (test_pages.py) asserts on it. A scenario that needs a value from outside the browser (the
// emailed code) prints {"need": NAME} and reads the value as a line on stdin.
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(new URL("../node/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [scenario, base, shot, argsJson] = process.argv.slice(2);
const args = JSON.parse(argsJson || "{}");
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function need(name) {
  console.log(JSON.stringify({ need: name }));
  return (await lines.next()).value.trim();
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"], headless: true });
const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
page.setDefaultTimeout(10000);
const consoleErrors = [];
const requests = [];
page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push("pageerror: " + e.message));
page.on("request", (r) => requests.push(r.method() + " " + new URL(r.url()).pathname));
const api = base + "/api/v1/auth/";
const status = () => page.locator("#status").textContent();

async function passwordFirstFactor() {
  await page.goto(api + "ui/login/");
  // Keyboard only: the first field has focus, Tab goes to the password, Enter submits. Chromium
  // applies `autofocus` after load, at a rendering step: typing before it lost keystrokes under
  // load (a wrong login, 401, no 2FA form). Waiting for it still fails the test if it never comes.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === "login");
  await page.keyboard.type(args.login);
  await page.keyboard.press("Tab");
  await page.keyboard.type(args.password);
  await page.keyboard.press("Enter");
}

const scenarios = {
  async swagger() {
    await page.goto(base + "/api/v1/swagger/");
    const op = page.locator("details.op").filter({ has: page.locator("summary", { hasText: /^POST\/api\/v1\/auth\/token\/\s/ }) });
    await op.locator("summary").click();
    await op.locator("textarea").fill(JSON.stringify({ username: args.login, password: args.password }));
    await op.locator("button", { hasText: "Send" }).click();
    const result = op.locator("div.body > div").nth(2);
    await page.waitForFunction((el) => el && /^\d{3}/.test(el.textContent), await result.elementHandle());
    const body = JSON.parse(await op.locator("pre").textContent());
    return { title: await page.locator("#title").textContent(), operations: await page.locator("details.op").count(),
             status: await result.textContent(), token_keys: Object.keys(body).sort() };
  },
  async password() {
    await passwordFirstFactor();
    await page.locator("#done").waitFor({ state: "visible" });
    return { who: await page.locator("#who").textContent(), status: await status(),
             focused: await page.evaluate(() => document.activeElement.id) };
  },
  async email_code() {
    await page.goto(api + "ui/login/");
    await page.getByLabel("Email", { exact: true }).fill(args.email);
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.locator("#code-form").waitFor({ state: "visible" });
    const sent = await status();
    const focused = await page.evaluate(() => document.activeElement.id);
    await page.keyboard.type(await need("code"));
    await page.keyboard.press("Enter");
    await page.locator("#done").waitFor({ state: "visible" });
    return { sent, focused, who: await page.locator("#who").textContent(), status: await status() };
  },
  async two_factor() {
    await passwordFirstFactor();
    await page.locator("#twofa-form").waitFor({ state: "visible" });
    const asked = { status: await status(), devices: await page.locator("#twofa-device option").allTextContents(),
                    focused: await page.evaluate(() => document.activeElement.id),
                    send_shown: await page.locator("#twofa-send").isVisible() };
    await page.keyboard.type(await need("totp"));
    await page.keyboard.press("Enter");
    await page.locator("#done").waitFor({ state: "visible" });
    return { asked, who: await page.locator("#who").textContent(), status: await status() };
  },
  async csp_probe() {
    // The check can fail: an inline script added to the page is refused by the CSP and logged.
    await page.goto(api + "ui/login/");
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "document.title = 'inline ran'";
      document.body.appendChild(s);
    });
    await page.waitForTimeout(200);
    return { title: await page.title() };
  },
  async passkey() {
    // Chromium's virtual authenticator (CDP WebAuthn): a platform authenticator with resident
    // keys that verifies the user and confirms presence by itself.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
                 isUserVerified: true, automaticPresenceSimulation: true } });
    await page.goto(api + "ui/passkeys/");
    await page.getByLabel("Username or email").fill(args.login);
    await page.getByLabel("Password").fill(args.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator("#passkeys").waitFor({ state: "visible" });
    const before = { who: await page.locator("#who").textContent(), none: await page.locator("#passkeys-none").isVisible() };
    await page.getByLabel("Name of the new passkey").fill(args.name);
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.locator("#status", { hasText: "added" }).waitFor();
    const added = { status: await status(), list: await page.locator("#passkey-list li").allTextContents(),
                    none: await page.locator("#passkeys-none").isVisible() };
    const stored = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials
      .map((c) => ({ resident: c.isResidentCredential, rpId: c.rpId, userHandle: c.userHandle }));
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#passkey-sign-in").waitFor({ state: "visible" });
    await page.waitForLoadState("load");
    const signedOut = { passkeys_shown: await page.locator("#passkeys").isVisible() };
    const mark = requests.length;
    let bearer = null;
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.endsWith("/users/0/")) bearer = (r.headers()["authorization"] || "").replace(/^Bearer /, "");
    });
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.locator("#passkeys").waitFor({ state: "visible" });
    await page.waitForLoadState("networkidle");
    return { before, added, stored, signed_out: signedOut, who: await page.locator("#who").textContent(),
             status: await status(), list: await page.locator("#passkey-list li").allTextContents(),
             requests: requests.slice(mark), token: bearer };
  },
  async magic() {
    await page.goto(api + "magic/" + args.segment);
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(500);
    const before = { requests: requests.slice(), who: await page.locator("#magic-who").textContent(),
                     enabled: await page.locator("#magic-go").isEnabled() };
    await need("loaded");  // the test checks here that the code is still unspent
    await page.locator("#magic-go").click();
    await page.locator("#done").waitFor({ state: "visible" });
    return { before, who: await page.locator("#who").textContent(), status: await status() };
  },
};

let out;
try {
  const result = await scenarios[scenario]();
  await page.screenshot({ path: shot, fullPage: true });
  out = { result, console: consoleErrors, requests };
} catch (e) {
  await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
  out = { error: String(e && e.stack || e), console: consoleErrors, requests };
}
await browser.close();
console.log(JSON.stringify(out));
process.exit(0);
