// The camera for real (issue 15): Chromium started with a fake camera
// (--use-fake-device-for-media-stream --use-file-for-fake-video-capture)
// fed from a Y4M video made here from the QR PNG of a real pass (written by
// `passnum batch issue --format png`), with no BarcodeDetector (as in
// Chromium on Linux, Firefox, Safari): the vendored jsQR reads it. The place
// page shows « Pass valable »; the distributor page hands out the pass's
// booklet. The camera button is named « caméra » and is used with the
// keyboard; axe-core with the camera on; screenshots.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const T = require('./lib.js');
const { fixture, check, axe, shot, waitText } = T;
const W = 640, H = 480, FRAMES = 10;

// The luma plane (W x H, the QR centred on white, 400 px) of PNG file,
// decoded by Chromium itself.
async function luma(browser, png) {
	const page = await browser.newPage();
	const data = 'data:image/png;base64,' + fs.readFileSync(png).toString('base64');
	const y = await page.evaluate(async ([src, w, h]) => {
		const img = new Image();
		img.src = src;
		await img.decode();
		const canvas = document.createElement('canvas');
		canvas.width = w;
		canvas.height = h;
		const c = canvas.getContext('2d');
		c.fillStyle = '#fff';
		c.fillRect(0, 0, w, h);
		c.imageSmoothingEnabled = false;
		const side = 400;
		c.drawImage(img, (w - side) / 2, (h - side) / 2, side, side);
		const px = c.getImageData(0, 0, w, h).data, out = new Array(w * h);
		for (let i = 0; i < w * h; i++)
			out[i] = Math.round(0.299 * px[4 * i] + 0.587 * px[4 * i + 1] + 0.114 * px[4 * i + 2]);
		return out;
	}, [data, W, H]);
	await page.close();
	return Buffer.from(y);
}

// Writes a Y4M file (4:2:0, grey: chroma 128) of FRAMES copies of plane y.
function y4m(file, y) {
	const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
	const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
	for (let i = 0; i < FRAMES; i++)
		parts.push(Buffer.from('FRAME\n'), y, chroma);
	fs.writeFileSync(file, Buffer.concat(parts));
}

async function withCamera(video, fn) {
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--use-fake-ui-for-media-stream',
			'--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`] });
	try {
		await fn(browser);
	} finally {
		await browser.close();
	}
}

async function cameraPage(browser, label) {
	const page = await T.openPage(browser, T.WIDE, label, { permissions: ['camera'] });
	page.native = await page.evaluate(() => 'BarcodeDetector' in window).catch(() => null);
	// As in Firefox, Safari and Chromium on Linux: no BarcodeDetector, so the page must use jsQR.
	await page.addInitScript(() => { delete window.BarcodeDetector; });
	return page;
}

async function place(browser, pass) {
	const page = await cameraPage(browser, '1280x800');
	await T.signIn(page, fixture.tokens.place);
	await page.locator('#app').waitFor({ state: 'visible', timeout: 8000 });
	await page.waitForFunction(() => document.getElementById('month-total').innerText !== '—');
	check(await page.evaluate(() => !('BarcodeDetector' in window) && typeof window.jsQR === 'function'),
		'no BarcodeDetector, jsQR loaded');
	check(await page.isVisible('#camera-start') && !(await page.isVisible('#camera-unavailable')),
		'without BarcodeDetector: the camera button, no apology');
	check(/caméra/i.test(await page.innerText('#camera-start')), `the button says « caméra » (${await page.innerText('#camera-start')})`);
	// jsQR is held back (it finds nothing) until the camera's box has been
	// seen and checked: on a fast machine the pass is otherwise read, and
	// the box closed, before the test can look at it.
	await page.evaluate(() => {
		const real = window.jsQR;
		window.cameraTestRead = false;
		window.jsQR = (...args) => (window.cameraTestRead ? real(...args) : null);
	});
	await page.locator('#camera-start').focus();
	await page.keyboard.press('Enter');
	await page.locator('#camera-box').waitFor({ state: 'visible', timeout: 8000 });
	await axe(page, 'camera on');
	check(!(await page.innerText('#basket')).includes(pass.code) && await page.isVisible('#camera-box'),
		'nothing is read while jsQR is held back: the camera stays on');
	await page.evaluate(() => { window.cameraTestRead = true; });
	await waitText(page, '#answer', 'Pass valable — 10,00\u00a0€.', 'the place page reads the pass filmed by the camera', 20000);
	check((await page.innerText('#basket')).includes(pass.code), 'the pass read is listed by its code');
	check(!(await page.isVisible('#camera-box')), 'the camera stops after reading a pass');
	await axe(page, 'camera read');
	await shot(page, '15b-camera-jsqr-read');
	await T.noProblems(page);
	await page.context().close();
}

async function distributor(browser, pass) {
	const page = await cameraPage(browser, '1280x800');
	await T.signIn(page, fixture.tokens.distributor);
	await page.locator('#distributor-app').waitFor({ state: 'visible', timeout: 8000 });
	check(await page.isVisible('#d-camera-start') && /caméra/i.test(await page.innerText('#d-camera-start')),
		'the distributor page\'s camera button');
	await page.locator('#d-camera-start').focus();
	await page.keyboard.press('Enter');
	await waitText(page, '#d-answer', `Carnet n°\u00a0${String(pass.booklet).padStart(6, '0')} remis`,
		'the distributor page hands out the booklet of the pass filmed', 20000);
	const month = await T.apiCall('GET', '/v1/distributors/me/handouts', fixture.tokens.distributor);
	check(month.status === 200 && month.body.handouts.some((h) => h.booklet === pass.booklet), 'the hand-out is recorded');
	await axe(page, 'camera hand-out');
	await shot(page, '25-distributor-camera');
	await T.noProblems(page);
	await page.context().close();
}

(async () => {
	fs.mkdirSync(T.ARTIFACTS, { recursive: true });
	const forPlace = fixture.booklet_passes.find((p) => p.booklet === 13);
	const forDistributor = fixture.booklet_passes.find((p) => p.booklet === 12);
	const plain = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu'] });
	const videos = [];
	try {
		for (const [p, name] of [[forPlace, 'camera-place.y4m'], [forDistributor, 'camera-distributor.y4m']]) {
			const file = path.join(T.ARTIFACTS, name);
			y4m(file, await luma(plain, p.png));
			videos.push(file);
		}
		const native = await (await plain.newPage()).evaluate(() => 'BarcodeDetector' in window);
		console.log(`camera.test.js: this Chromium ${native ? 'has' : 'has no'} BarcodeDetector; the page is tested without it`);
	} finally {
		await plain.close();
	}
	for (const [video, fn, p] of [[videos[0], place, forPlace], [videos[1], distributor, forDistributor]]) {
		try {
			await withCamera(video, (browser) => fn(browser, p));
		} catch (e) {
			check(false, `${fn.name}: ${e.stack || e}`);
		}
	}
})().then(() => T.finish('camera.test.js'), (e) => {
	console.error(e);
	process.exit(1);
});
