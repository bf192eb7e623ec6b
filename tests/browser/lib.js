// Shared by the distributor, funder and camera browser tests: a counted
// check, a page that records its requests, CSP reports and script errors,
// axe-core (no serious or critical violation), screenshots kept in
// PASSNUM_WEB_ARTIFACTS (their paths printed at the end).
'use strict';
const fs = require('fs');
const path = require('path');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const BASE = process.env.PASSNUM_WEB_URL;
const LATER = process.env.PASSNUM_WEB_LATER_URL;
const ARTIFACTS = process.env.PASSNUM_WEB_ARTIFACTS;
const fixture = JSON.parse(fs.readFileSync(process.env.PASSNUM_WEB_FIXTURE, 'utf8'));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 320, height: 640 };

const counts = { checks: 0, failures: 0 };
const shots = [];

function check(ok, what) {
	counts.checks++;
	if (!ok) {
		counts.failures++;
		console.error('FAIL: ' + what);
	} else if (process.env.VERBOSE) {
		console.log('ok: ' + what);
	}
	return ok;
}

async function openPage(browser, viewport, name, options = {}) {
	const context = await browser.newContext({ viewport, locale: 'fr-FR', acceptDownloads: true, ...options });
	const page = await context.newPage();
	page.requests = [];
	page.problems = [];
	page.on('request', (r) => page.requests.push(r.method() + ' ' + new URL(r.url()).pathname));
	page.on('pageerror', (e) => page.problems.push('script error: ' + e.message));
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text()))
			page.problems.push('CSP: ' + m.text());
		else if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
			page.problems.push('console error: ' + m.text());
	});
	page.label = name;
	return page;
}

async function axe(page, state) {
	await page.evaluate(axeSource);
	const result = await page.evaluate(() => window.axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
		resultTypes: ['violations'],
	}));
	const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	check(bad.length === 0, `axe (${page.label}, ${state}): ` +
		bad.map((v) => `${v.id} [${v.impact}] ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; '));
}

async function shot(page, name, fullPage = true) {
	const file = path.join(ARTIFACTS, `${name}-${page.label}.png`);
	await page.screenshot({ path: file, fullPage });
	shots.push(file);
}

async function noProblems(page) {
	check(page.problems.length === 0, `${page.label}: ${page.problems.join(' | ')}`);
}

// Signs in with token at base, typing it and pressing Enter (no mouse).
async function signIn(page, token, base = BASE) {
	await page.goto(base + '/');
	await page.locator('#token').waitFor({ state: 'visible' });
	await page.locator('#token').focus();
	await page.keyboard.type(token);
	await page.keyboard.press('Enter');
}

// Presses Tab (or key) until the focused element matches selector (at most 60 times).
async function tabTo(page, selector, what, key = 'Tab') {
	for (let i = 0; i < 60; i++) {
		if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector))
			return check(true, what);
		await page.keyboard.press(key);
	}
	return check(false, `${what}: Tab never reached ${selector}`);
}

async function waitText(page, selector, want, what, timeout = 8000) {
	try {
		await page.waitForFunction(([s, w]) => {
			const n = document.querySelector(s);
			return n && !n.classList.contains('answer-busy') && n.innerText.includes(w);
		}, [selector, want], { timeout });
		return check(true, what);
	} catch (e) {
		const got = await page.locator(selector).innerText().catch(() => '?');
		return check(false, `${what}: ${selector} says "${got}", wanted "${want}"`);
	}
}

async function overflow(page) {
	return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

// An API call with a token, outside the page: { status, body }.
async function apiCall(method, pathname, token, body, base = BASE) {
	const init = { method, headers: { Authorization: 'Bearer ' + token } };
	if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	const r = await fetch(base + pathname, init);
	const text = await r.text();
	let parsed = null;
	try {
		parsed = JSON.parse(text);
	} catch (e) {
		parsed = null;
	}
	return { status: r.status, body: parsed, text };
}

async function run(name, steps, launchArgs = []) {
	const { chromium } = require('playwright-core');
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ARGS.concat(launchArgs), headless: true });
	try {
		for (const step of steps) {
			try {
				await step(browser);
			} catch (e) {
				check(false, `${step.name}: ${e.stack || e}`);
			}
		}
	} finally {
		await browser.close();
	}
	console.log(`${name}: ${counts.checks} checks, ${counts.failures} failed; screenshots:\n  ` + shots.join('\n  '));
	return counts.failures === 0 && counts.checks > 0;
}

// Prints the counts and the screenshots, exits 0 when every check passed.
function finish(name) {
	console.log(`${name}: ${counts.checks} checks, ${counts.failures} failed; screenshots:\n  ` + shots.join('\n  '));
	process.exit(counts.failures === 0 && counts.checks > 0 ? 0 : 1);
}

module.exports = { counts, finish, BASE, LATER, ARTIFACTS, fixture, WIDE, NARROW, check, openPage, axe, shot, noProblems,
	signIn, tabTo, waitText, overflow, apiCall, run };
