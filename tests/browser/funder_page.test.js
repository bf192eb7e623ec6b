// The funder's page (web/funder.js) in Debian's headless Chromium against
// a running passnumd (tests/scenario/test_browser.sh): its token opens its
// page and no other; for a month, a quarter and a year, every cell of every
// table equal to GET /v1/funders/{id}/report?period=... (small cells as the
// server hid them, « < 11 »), the SVG charts drawn from the same figures,
// the CSV download equal to the server's ?format=csv, the PDF button only
// if the server makes PDF; the other roles' routes refused at the API;
// keyboard only; axe-core in every state; screenshots at 1280 and 320 px.
'use strict';
const fs = require('fs');
const T = require('./lib.js');
const { fixture, check, axe, shot } = T;
const tok = fixture.tokens;
const ID = fixture.funder_id;
const MONTHS = ['Janvier', 'Février', 'Mars', 'Avril', 'Mai', 'Juin', 'Juillet', 'Août', 'Septembre', 'Octobre',
	'Novembre', 'Décembre'];

async function report(period) {
	const r = await T.apiCall('GET', `/v1/funders/${ID}/report?period=${period}`, tok.funder);
	check(r.status === 200, `the report of ${period} from the API: ${r.status}`);
	return r.body;
}

async function loaded(page, period) {
	await page.waitForFunction((p) => document.getElementById('f-status').innerText.startsWith('Rapport affiché') &&
		document.getElementById('f-period').value === p, period, { timeout: 8000 });
}

// A cell as the page shows it, read back into the JSON's value.
function same(column, value, text) {
	if (typeof value === 'string' && /^</.test(value))
		return text === value;
	if (value === null)
		return text === '—';
	if (typeof value === 'number' && !Number.isInteger(value))
		return Number(text.replace(/[^\d,]/g, '').replace(',', '.')) === value;
	if (typeof value === 'number')
		return /\d/.test(text) && Number(text.replace(/[^\d]/g, '')) === value && (!text.startsWith('−') || value < 0);
	if (column === 'month' && /^\d{4}-\d{2}$/.test(value))
		return text === `${MONTHS[Number(value.slice(5)) - 1]} ${value.slice(0, 4)}`;
	return text === String(value);
}

// Every table and cell of the page equal to the report's JSON; the charts.
async function figuresEqual(page, json, what) {
	const tables = await page.evaluate(() => [...document.querySelectorAll('table.figures')].map((t) => ({
		key: t.dataset.key,
		rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) =>
			({ column: c.dataset.column, text: c.innerText.trim() }))),
	})));
	check(tables.length === json.tables.length && tables.length > 0,
		`${what}: ${tables.length} tables for the JSON's ${json.tables.length}`);
	let cells = 0, hidden = 0;
	json.tables.forEach((t, i) => {
		const shown = tables[i] || { rows: [] };
		check(shown.key === t.key && shown.rows.length === t.rows.length, `${what}: table ${t.key} (${shown.rows.length} rows)`);
		t.rows.forEach((row, r) => {
			Object.keys(row).forEach((column, c) => {
				const cell = (shown.rows[r] || [])[c] || {};
				cells++;
				if (typeof row[column] === 'string' && /^</.test(row[column]))
					hidden++;
				check(cell.column === column && same(column, row[column], cell.text),
					`${what}: ${t.key} row ${r} ${column}: page "${cell.text}", JSON ${JSON.stringify(row[column])}`);
			});
		});
	});
	check(cells > 20, `${what}: ${cells} cells compared (${hidden} hidden by the server)`);
	// The charts: one bar per row (total left out), a hidden cell as a dashed empty bar.
	for (const t of json.tables.filter((x) => /_all$/.test(x.key))) {
		const rows = t.rows.slice(0, t.total_row ? -1 : undefined);
		if (rows.length === 0 || !('passes_redeemed' in t.rows[0]))
			continue;
		const bars = await page.evaluate((k) => [...document.querySelectorAll(`svg[data-key="${k}"][data-column="passes_redeemed"] g.chart-row`)]
			.map((g) => ({ hidden: !!g.querySelector('.chart-bar-hidden'), value: g.querySelector('.chart-value').textContent,
				width: Number((g.querySelector('.chart-bar') || { getAttribute: () => 0 }).getAttribute('width')) })), t.key);
		check(bars.length === rows.length, `${what}: chart of ${t.key}: ${bars.length} bars for ${rows.length} rows`);
		rows.forEach((row, i) => {
			const v = row.passes_redeemed, bar = bars[i] || {};
			check(typeof v === 'string' ? bar.hidden && bar.value.startsWith(v) : !bar.hidden && same('n', v, bar.value) &&
				(v === 0) === (bar.width === 0), `${what}: chart of ${t.key}, bar ${i}: ${JSON.stringify(bar)} for ${JSON.stringify(v)}`);
		});
	}
}

async function wide(browser) {
	const page = await T.openPage(browser, T.WIDE, '1280x800');
	await T.signIn(page, tok.funder);
	await page.locator('#funder-app').waitFor({ state: 'visible', timeout: 8000 });
	await loaded(page, '2027-03');
	check(!(await page.isVisible('#app')) && !(await page.isVisible('#distributor-app')) && !(await page.isVisible('#signin')),
		'a funder token opens the funder page only');
	check(await page.innerText('#place-name') === 'Département de la Seine-Saint-Denis', 'the funder\'s public name in the header');
	check(await page.evaluate(() => document.querySelectorAll('svg.chart-svg').length) >= 2, 'charts are drawn');
	check(await page.evaluate(() => document.querySelector('script[src^="http"]') === null), 'no script from elsewhere');
	await figuresEqual(page, await report('2027-03'), 'March 2027');
	check(await page.locator('#f-report .notice-warning').count() === 1 &&
		(await page.innerText('#f-report .notice-warning')).startsWith('Provisoire'), 'the month in progress is marked provisional');
	const pdf = await T.apiCall('GET', `/v1/funders/${ID}/report?period=2027-03&format=pdf`, tok.funder);
	check((await page.isVisible('#f-pdf')) === (pdf.status === 200), `the PDF button only when the server makes PDF (${pdf.status})`);
	await axe(page, 'month');
	await shot(page, '30-funder-month');

	// Keyboard only: a quarter, then its CSV.
	await T.tabTo(page, '#f-kind', 'Tab reaches the kind of period');
	await page.keyboard.press('ArrowDown');
	check(await page.inputValue('#f-kind') === 'quarter', 'an arrow key chooses « trimestre »');
	await T.tabTo(page, '#f-period', 'Tab reaches the period');
	check(await page.inputValue('#f-period') === '2027-Q1', 'the quarter in progress first');
	await T.tabTo(page, '#f-show', 'Tab reaches « Afficher »');
	await page.keyboard.press('Enter');
	await loaded(page, '2027-Q1');
	await figuresEqual(page, await report('2027-Q1'), 'Q1 2027');
	await axe(page, 'quarter');
	await shot(page, '31-funder-quarter');
	await T.tabTo(page, '#f-csv', 'Tab reaches « Télécharger en CSV »');
	const [download] = await Promise.all([page.waitForEvent('download', { timeout: 8000 }), page.keyboard.press('Enter')]);
	const file = await download.path();
	const csv = await T.apiCall('GET', `/v1/funders/${ID}/report?period=2027-Q1&format=csv`, tok.funder);
	check(download.suggestedFilename() === 'rapport-financeur-2027-Q1.csv', `CSV file name ${download.suggestedFilename()}`);
	const got = fs.readFileSync(file);
	check(csv.status === 200 && got.equals(Buffer.from(await (await fetch(`${T.BASE}/v1/funders/${ID}/report?period=2027-Q1&format=csv`,
		{ headers: { Authorization: 'Bearer ' + tok.funder } })).arrayBuffer())), 'the CSV downloaded is the server\'s, byte for byte');
	check(got.toString('utf8').includes('Carnets émis') && got.toString('utf8').includes('Pass utilisés'), 'the CSV is in French');

	// A year, and a month of last year (closed: not provisional).
	await page.selectOption('#f-kind', 'year');
	await page.selectOption('#f-period', '2026');
	await page.click('#f-show');
	await loaded(page, '2026');
	await figuresEqual(page, await report('2026'), 'year 2026');
	check(await page.evaluate(() => document.querySelector('#f-report .notice-warning') === null), 'a past year is not provisional');
	await axe(page, 'year');
	const foreign = page.requests.filter((r) => /\/v1\//.test(r) && !/\/v1\/(funders\/|places\/me|distributors\/me)/.test(r));
	check(foreign.length === 0, `the funder page asks only its routes: ${foreign.join(', ')}`);
	await T.noProblems(page);
	await page.click('#signout');
	await page.locator('#signin').waitFor({ state: 'visible' });
	check(!(await page.isVisible('#funder-app')) && await page.evaluate(() => document.getElementById('f-report').children.length === 0),
		'signed out: the funder page is closed and emptied');
	await page.context().close();
}

async function roles() {
	const expect = async (p, token, status, code, what) => {
		const r = await T.apiCall('GET', p, token);
		check(r.status === status && (!code || (r.body && r.body.error && r.body.error.code === code)),
			`${what}: GET ${p} -> ${r.status} ${r.text.slice(0, 100)}`);
	};
	await expect('/v1/funders/me', tok.funder, 200, null, 'the funder\'s /me');
	await expect(`/v1/funders/${ID + 1}/report?period=2027-03`, tok.funder, 403, 'NOT_YOURS', 'another funder\'s report');
	await expect('/v1/places/me', tok.funder, 403, 'FORBIDDEN_ROLE', 'a funder is not a place');
	await expect('/v1/distributors/me', tok.funder, 403, 'FORBIDDEN_ROLE', 'a funder is not a distributor');
	await expect('/v1/funders/me', tok.place, 403, 'FORBIDDEN_ROLE', 'a place is not a funder');
	await expect(`/v1/funders/${ID}/report?period=2027-03`, tok.place, 403, 'FORBIDDEN_ROLE', 'a place sees no report');
	await expect('/v1/funders/me', tok.admin, 403, 'FORBIDDEN_ROLE', 'the operator has no funder page');
}

async function narrow(browser) {
	const page = await T.openPage(browser, T.NARROW, '320x640');
	await T.signIn(page, tok.funder);
	await page.locator('#funder-app').waitFor({ state: 'visible', timeout: 8000 });
	await loaded(page, '2027-03');
	check(await T.overflow(page) <= 0, `no horizontal scrolling at 320 px (${await T.overflow(page)} px)`);
	await figuresEqual(page, await report('2027-03'), 'March 2027 at 320 px');
	await axe(page, 'month');
	await shot(page, '30-funder-month', false);
	await shot(page, '30-funder-month-full');
	await T.noProblems(page);
	await page.context().close();
}

T.run('funder_page.test.js', [wide, roles, narrow]).then((ok) => process.exit(ok ? 0 : 1), (e) => {
	console.error(e);
	process.exit(1);
});
