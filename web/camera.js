/* Reading a QR code with the device's camera, for the place and the
 * distributor pages. Uses the browser's BarcodeDetector when it reads QR
 * codes (Chrome on Android, macOS, ChromeOS), else the vendored jsQR
 * (web/jsqr.js, tools/vendor-web.sh) on frames drawn into a canvas
 * (Firefox, Safari, Chromium on Linux). No eval, no worker, no WebAssembly:
 * it runs under the page's strict CSP. Exposes globalThis.PassnumCamera =
 * { attach }. */
(function (root) {
	'use strict';

	var MAX_WIDTH = 640;

	function detectorFormats() {
		if (!('BarcodeDetector' in root))
			return Promise.resolve(false);
		var f = typeof root.BarcodeDetector.getSupportedFormats === 'function' ?
		    root.BarcodeDetector.getSupportedFormats() : Promise.resolve(['qr_code']);
		return f.then(function (list) { return list.indexOf('qr_code') >= 0; }, function () { return false; });
	}

	/* A decoder of frames of video: resolves to the text of a QR code or null. */
	function makeDecoder(useDetector, video) {
		if (useDetector) {
			var detector = new root.BarcodeDetector({ formats: ['qr_code'] });
			return function () {
				return detector.detect(video).then(function (codes) {
					return codes && codes.length > 0 && codes[0].rawValue ? codes[0].rawValue : null;
				});
			};
		}
		var canvas = document.createElement('canvas');
		var context = canvas.getContext('2d', { willReadFrequently: true });
		return function () {
			var w = video.videoWidth, h = video.videoHeight;
			if (!w || !h)
				return Promise.resolve(null);
			var scale = Math.min(1, MAX_WIDTH / w);
			canvas.width = Math.round(w * scale);
			canvas.height = Math.round(h * scale);
			context.drawImage(video, 0, 0, canvas.width, canvas.height);
			var image = context.getImageData(0, 0, canvas.width, canvas.height);
			var found = root.jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
			return Promise.resolve(found && found.data ? found.data : null);
		};
	}

	/* Wires a camera reader: o.start and o.stop buttons, o.box (shown while
	 * filming), o.video, o.error and o.unavailable (paragraphs), o.onRead(text)
	 * called once per code read (the camera is then stopped), o.onStop() when
	 * it stops. Returns { stop, active }. */
	function attach(o) {
		var cam = null;
		var hasMedia = !!(navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function');
		var useDetector = false;

		function error(text) {
			o.error.textContent = text || '';
			o.error.hidden = !text;
		}

		function stop() {
			if (!cam)
				return;
			cam.stopped = true;
			cam.stream.getTracks().forEach(function (t) { t.stop(); });
			o.video.srcObject = null;
			cam = null;
			o.box.hidden = true;
			o.start.hidden = false;
			if (o.onStop)
				o.onStop();
		}

		function frame(current) {
			if (current.stopped)
				return;
			current.decode().then(function (text) {
				if (current.stopped)
					return;
				if (text) {
					stop();
					o.start.focus();
					o.onRead(text);
					return;
				}
				setTimeout(function () { frame(current); }, 150);
			}, function () {
				setTimeout(function () { frame(current); }, 400);
			});
		}

		function start() {
			error('');
			navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
			    .then(function (stream) {
				cam = { stream: stream, stopped: false, decode: makeDecoder(useDetector, o.video) };
				var current = cam;
				o.video.srcObject = stream;
				o.box.hidden = false;
				o.start.hidden = true;
				o.stop.focus();
				return o.video.play().then(function () { frame(current); });
			}).catch(function (err) {
				stop();
				var name = err && err.name;
				error(name === 'NotAllowedError' ?
				    'L\'accès à la caméra a été refusé. Autorisez-le dans les réglages du navigateur, ou utilisez une autre façon de lire le code.' :
				    name === 'NotFoundError' ? 'Aucune caméra n\'a été trouvée sur cet appareil.' :
				    'La caméra n\'a pas pu être ouverte. Utilisez une douchette ou tapez le code.');
			});
		}

		o.start.addEventListener('click', start);
		o.stop.addEventListener('click', function () {
			stop();
			o.start.focus();
		});
		o.start.hidden = true;
		o.unavailable.hidden = true;
		detectorFormats().then(function (detector) {
			useDetector = detector;
			var ok = hasMedia && (detector || typeof root.jsQR === 'function');
			o.start.hidden = !ok;
			o.unavailable.hidden = ok;
		});
		return {
			stop: stop,
			active: function () { return !!cam && !cam.stopped; }
		};
	}

	root.PassnumCamera = { attach: attach };
})(typeof window !== 'undefined' ? window : globalThis);
