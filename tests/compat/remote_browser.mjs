// Browser test of the built-in web remote (/remote) in headless Debian Chromium, driven by
// playwright-core. Two pages of one user, each served by a different server instance:
// signing in on both makes both show 2 devices, a click on one page shows the event on the
// other, closing a page brings the count back to 1, and a bad key is refused on the page.
// Usage: node remote_browser.mjs '{"a":"http://127.0.0.1:P1","b":"http://127.0.0.1:P2",
//         "apiKey":"...","otherApiKey":"...","screenshots":"/dir"}'
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const cfg = JSON.parse(process.argv[2]);
const TIMEOUT = 15000;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(cfg.screenshots, { recursive: true });

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function signIn(page, base, key) {
  await page.goto(`${base}/remote`);
  await page.fill("#apikey", key);
  await page.click("#signin-key");
}

async function waitText(page, selector, expected) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent === want,
    [selector, expected],
    { timeout: TIMEOUT },
  ).catch(async (e) => {
    const got = await page.textContent(selector).catch(() => "<none>");
    throw new Error(`${selector}: expected "${expected}", got "${got}" (${e.message})`);
  });
}

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
let failed = null;
const errors = [];
try {
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  for (const [label, page] of [["A", a], ["B", b]]) {
    page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`${label} console: ${m.text()}`); });
  }

  // A bad key is refused with a message, and the remote stays hidden.
  await signIn(a, cfg.a, "not-a-valid-key");
  await waitText(a, "#signin-error", "Invalid credentials.");
  check(await a.isHidden("#remote"), "remote shown after a bad key");
  console.log("ok - bad key refused");
  errors.length = 0; // the refused key's 401 is logged by the browser; nothing else may be

  await signIn(a, cfg.a, cfg.apiKey);
  await waitText(a, "#status", "connected");
  await waitText(a, "#devices", "1");
  await waitText(a, "#dream", cfg.dreamName);
  console.log("ok - page A connected to instance A, 1 device, current dream shown");

  await signIn(b, cfg.b, cfg.apiKey);
  await waitText(b, "#status", "connected");
  await waitText(b, "#devices", "2");
  await waitText(a, "#devices", "2");
  console.log("ok - page B on instance B: both pages show 2 devices");

  // A click on A reaches B (through the Redis bridge), and B's click reaches A.
  await a.click('button[data-event="next"]');
  await b.waitForSelector('#events li:has-text("next (web)")', { timeout: TIMEOUT });
  await b.click('button[data-speed="3"]');
  await a.waitForSelector('#events li:has-text("set_speed_3 (web)")', { timeout: TIMEOUT });
  await a.click('button[data-event="like_current_dream"]');
  await b.waitForSelector(`#events li:has-text('like_current_dream "${cfg.dreamName}" (web)')`, { timeout: TIMEOUT });
  console.log("ok - clicks travel both ways between instances");

  // Another user's page on instance B hears nothing of this user's commands.
  if (cfg.otherApiKey) {
    const ctxC = await browser.newContext();
    const c = await ctxC.newPage();
    await signIn(c, cfg.b, cfg.otherApiKey);
    await waitText(c, "#devices", "1");
    await a.click('button[data-event="pause"]');
    await b.waitForSelector('#events li:has-text("pause (web)")', { timeout: TIMEOUT });
    const leaked = await c.locator('#events li:has-text("pause")').count();
    check(leaked === 0, "another user's page received the event");
    await ctxC.close();
    console.log("ok - another user's page stays silent");
  }

  await a.screenshot({ path: `${cfg.screenshots}/remote-page-a.png`, fullPage: true });
  await b.screenshot({ path: `${cfg.screenshots}/remote-page-b.png`, fullPage: true });

  await ctxB.close();
  await waitText(a, "#devices", "1");
  console.log("ok - closing page B brings page A back to 1 device");
  check(errors.length === 0, `page errors: ${errors.join("; ")}`);
} catch (e) {
  failed = e;
} finally {
  await browser.close();
}
if (failed) {
  console.error(failed.stack || String(failed));
  process.exit(1);
}
console.log("remote browser test: all checks passed");
