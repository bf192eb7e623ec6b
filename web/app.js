/* The place page: sign in with the place's token, read passes (scanner,
 * camera, typed code), redeem them, cancel within 15 minutes, list the
 * month's redemptions and the payee's statements (relevés, to download).
 * Talks only to this server's /v1 API (PRODUCT.md "HTTP API"). No
 * framework, no inline script or style (strict CSP): all text goes in
 * through textContent. */
(function () {
	'use strict';

	var TOKEN_KEY = 'passnum.token';
	var REFOCUS_KEY = 'passnum.refocus';
	var CANCEL_MS = 15 * 60 * 1000;
	var MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
	    'septembre', 'octobre', 'novembre', 'décembre'];
	var SVG = 'http://www.w3.org/2000/svg';

	var state = {
		token: null,
		role: null,        /* place, distributor, funder: whose page is open */
		me: null,          /* GET /v1/places/me */
		offsetMs: 0,       /* server clock minus browser clock */
		pass: null,        /* the last valid lookup that opened a basket */
		basket: [],        /* { text, code, serial, value_cents } */
		service: null,     /* chosen service code */
		attempt: null,     /* { signature, key }: the idempotency key of the basket */
		receipt: null,     /* { id, deadline, cancelled } */
		timer: null,
		camera: null,      /* PassnumCamera.attach's { stop, active } */
		history: []
	};

	function $(id) {
		return document.getElementById(id);
	}

	function show(el, visible) {
		el.hidden = !visible;
	}

	function el(tag, className, text) {
		var node = document.createElement(tag);
		if (className)
			node.className = className;
		if (text !== undefined && text !== null)
			node.textContent = text;
		return node;
	}

	/* ---------- French formatting (no floating point on money) ---------- */

	function money(cents) {
		var negative = cents < 0, c = Math.abs(Math.trunc(cents));
		var euros = String(Math.floor(c / 100)), rest = String(c % 100).padStart(2, '0');
		var grouped = euros.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
		return (negative ? '−' : '') + grouped + ',' + rest + '\u00a0€';
	}

	/* "2027-12-31" -> "31 décembre 2027" ("1er" for the first). */
	function dateFr(iso, withYear) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
		if (!m)
			return iso || '';
		var day = Number(m[3]);
		var text = (day === 1 ? '1er' : String(day)) + ' ' + MONTHS[Number(m[2]) - 1];
		return withYear === false ? text : text + ' ' + m[1];
	}

	function monthFr(iso) {
		var m = /^(\d{4})-(\d{2})/.exec(iso || '');
		if (!m)
			return '';
		var name = MONTHS[Number(m[2]) - 1];
		return name.charAt(0).toUpperCase() + name.slice(1) + ' ' + m[1];
	}

	function dayAfter(iso) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
		if (!m)
			return iso;
		var d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
		return d.toISOString().slice(0, 10);
	}

	/* An instant "2027-03-12T10:00:00Z" as the place's local time "11 h 00". */
	function timeFr(instant) {
		var d = new Date(instant);
		if (isNaN(d.getTime()))
			return '';
		try {
			var parts = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit',
			    hourCycle: 'h23', timeZone: (state.me && state.me.time_zone) || 'Europe/Paris' })
			    .formatToParts(d);
			var h = '', min = '';
			parts.forEach(function (p) {
				if (p.type === 'hour')
					h = p.value;
				if (p.type === 'minute')
					min = p.value;
			});
			return h + '\u00a0h\u00a0' + min;
		} catch (e) {
			return d.toISOString().slice(11, 16).replace(':', '\u00a0h\u00a0');
		}
	}

	function plural(n, one, many) {
		return n + '\u00a0' + (n <= 1 ? one : many);
	}

	function passes(n) {
		return plural(n, 'pass', 'pass');
	}

	/* The printed code of a serial (24 hex digits). */
	function codeOfSerial(hex) {
		var symbols = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U', n, out = '';
		try {
			n = BigInt('0x' + hex);
		} catch (e) {
			return hex;
		}
		var check = symbols[Number(n % 37n)];
		for (var i = 19; i >= 0; i--) {
			out = symbols[Number(n % 32n)] + out;
			n = n / 32n;
			if (i % 5 === 0 && i > 0)
				out = '-' + out;
		}
		return out + '-' + check;
	}

	function serviceName(code) {
		var list = (state.me && state.me.services) || [];
		for (var i = 0; i < list.length; i++)
			if (list[i].code === code)
				return list[i].name;
		return code;
	}

	/* ---------- The API ---------- */

	/* Calls the API; resolves to { status, body } (body: parsed JSON or
	 * null), rejects only when the server cannot be reached. A 401 signs
	 * the page out. */
	function api(method, path, body) {
		var headers = { 'Accept': 'application/json' };
		if (state.token)
			headers['Authorization'] = 'Bearer ' + state.token;
		var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit' };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		return fetch(path, init).then(function (response) {
			return response.text().then(function (text) {
				var parsed = null;
				try {
					parsed = text ? JSON.parse(text) : null;
				} catch (e) {
					parsed = null;
				}
				if (response.status === 401 && state.role)
					signOut('Votre clé d\'accès n\'est plus acceptée. Reconnectez-vous avec une clé valable.');
				return { status: response.status, body: parsed };
			});
		});
	}

	function errorCode(r) {
		return r.body && r.body.error ? r.body.error.code : '';
	}

	function errorMessage(r) {
		return r.body && r.body.error ? r.body.error.message : '';
	}

	var UNREACHABLE = 'Le serveur ne répond pas. Vérifiez la connexion à Internet, puis réessayez.';
	var RATE_LIMITED = 'Trop d\'essais sans succès. Attendez une minute avant de réessayer.';

	/* A sentence for a failure that is not about the pass itself. */
	function failureSentence(r) {
		if (r.status === 429)
			return RATE_LIMITED;
		if (r.status === 503)
			return 'Le service est momentanément indisponible. Réessayez dans un instant.';
		return 'Une erreur est survenue (' + (errorCode(r) || r.status) + '). Réessayez ; si cela continue, ' +
		    'contactez l\'opérateur du pass numérique.';
	}

	/* Fetches path with the token (a header: a plain link cannot send it)
	 * and hands it to the browser as the file name (a Blob URL with a
	 * download attribute). Resolves to name; rejects when the server
	 * cannot be reached or refuses. The funder's CSV and PDF and the
	 * place's statements go through here. */
	function saveFile(path, name, type) {
		return fetch(path, {
			headers: { 'Authorization': 'Bearer ' + state.token }, cache: 'no-store', credentials: 'omit'
		}).then(function (response) {
			if (!response.ok)
				throw new Error(String(response.status));
			return response.blob();
		}).then(function (blob) {
			var a = document.createElement('a');
			a.href = URL.createObjectURL(new Blob([blob], { type: type }));
			a.download = name;
			document.body.appendChild(a);
			a.click();
			a.remove();
			setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
			return name;
		});
	}

	/* ---------- Sign-in ---------- */

	function signInWith(token, fromForm) {
		state.token = token;
		return api('GET', '/v1/places/me').then(function (r) {
			if (r.status === 200 && r.body) {
				sessionStorage.setItem(TOKEN_KEY, token);
				state.role = 'place';
				state.me = r.body;
				setClock(r.body.now);
				enterApp();
				return;
			}
			if (r.status === 403 && errorCode(r) === 'FORBIDDEN_ROLE')
				return otherRole();
			return refuse(r.status === 401 ?
			    'Cette clé d\'accès n\'est pas reconnue. Vérifiez-la, ou demandez-en une nouvelle à l\'opérateur.' :
			    failureSentence(r));
		}, unreachable);

		function unreachable() {
			refuse(UNREACHABLE);
		}

		/* Forgets the token and says why on the sign-in form. */
		function refuse(message) {
			state.token = null;
			sessionStorage.removeItem(TOKEN_KEY);
			showSignIn(fromForm ? message : null);
		}

		/* A token of another role than place: the distributor's page or the
		 * funder's (web/distributor.js, web/funder.js), never the place
		 * page; the operator's is refused in plain words. /metrics answers
		 * 200 to the operator's token only. */
		function otherRole() {
			return api('GET', '/v1/distributors/me').then(function (d) {
				if (d.status === 200 && d.body)
					return enterRole('distributor', d.body);
				if (d.status !== 403)
					return refuse(failureSentence(d));
				return api('GET', '/v1/funders/me').then(function (f) {
					if (f.status === 200 && f.body)
						return enterRole('funder', f.body);
					if (f.status !== 403)
						return refuse(failureSentence(f));
					return api('GET', '/metrics').then(function (m) {
						if (m.status === 200)
							return refuse('Cette clé d\'accès est celle de l\'opérateur du pass numérique. Elle n\'ouvre ' +
							    'aucune page ici : l\'opérateur travaille avec la commande passnum. Utilisez la clé ' +
							    'd\'un lieu, d\'un distributeur ou d\'un financeur.');
						return refuse('Cette clé d\'accès n\'ouvre aucune page ici. Demandez à l\'opérateur la clé ' +
						    'de votre lieu, de votre structure de distribution ou de votre financeur.');
					}, unreachable);
				}, unreachable);
			}, unreachable);
		}

		/* Opens the page of role for its /me body. */
		function enterRole(role, me) {
			var page = ROLE_PAGES[role]();
			sessionStorage.setItem(TOKEN_KEY, token);
			state.role = role;
			show($('signin'), false);
			show($('signout'), true);
			$('brand-sub').textContent = '\u00b7 espace ' + (role === 'funder' ? 'financeur' : 'distributeur');
			page.enter(me);
		}
	}

	/* The pages of the other roles, registered by their scripts. */
	var ROLE_PAGES = {
		distributor: function () { return window.PassnumDistributor; },
		funder: function () { return window.PassnumFunder; }
	};

	function setClock(now) {
		var t = Date.parse(now || '');
		state.offsetMs = isNaN(t) ? 0 : t - Date.now();
	}

	function showSignIn(message) {
		show($('app'), false);
		Object.keys(ROLE_PAGES).forEach(function (role) {
			var page = ROLE_PAGES[role]();
			if (page)
				page.leave();
		});
		$('brand-sub').textContent = '\u00b7 espace lieu, distributeur, financeur';
		show($('place'), false);
		show($('signout'), false);
		show($('signin'), true);
		document.title = 'Connexion — Pass numérique';
		var error = $('signin-error'), input = $('token');
		if (message) {
			error.textContent = message;
			show(error, true);
			input.setAttribute('aria-invalid', 'true');
		} else {
			show(error, false);
			input.removeAttribute('aria-invalid');
		}
		input.focus();
	}

	function signOut(message) {
		stopCamera();
		stopTimer();
		sessionStorage.removeItem(TOKEN_KEY);
		state.token = null;
		state.role = null;
		state.me = null;
		resetBasket();
		state.receipt = null;
		show($('receipt-box'), false);
		$('statements').textContent = '';
		statementsStatus('', false);
		$('token').value = '';
		showSignIn(message || null);
	}

	function enterApp() {
		var me = state.me;
		show($('signin'), false);
		show($('app'), true);
		show($('place'), true);
		show($('signout'), true);
		$('brand-sub').textContent = '\u00b7 espace lieu';
		$('place-name').textContent = me.name;
		var label = $('place-label'), notice = $('suspended');
		label.className = 'place-label';
		if (me.qualified && me.label_until) {
			label.textContent = 'Lieu qualifié jusqu\'au ' + dateFr(me.label_until);
			show(notice, false);
		} else {
			var text;
			if (me.label === 'suspended')
				text = 'Lieu suspendu';
			else if (me.label === 'labelled')
				text = 'Qualification terminée le ' + dateFr(me.label_until);
			else
				text = 'Lieu non qualifié';
			label.textContent = text;
			label.className = 'place-label place-label-off';
			notice.textContent = text + ' : ce lieu ne peut pas prendre de pass pour le moment. ' +
			    'Contactez l\'opérateur du pass numérique.';
			show(notice, true);
		}
		document.title = 'Lire un pass — ' + me.name + ' — Pass numérique';
		idle();
		loadHistory();
		loadStatements();
		refocus(true);
	}

	/* ---------- Reading a pass ---------- */

	function refocus(force) {
		if (!$('refocus').checked && !force)
			return;
		if ($('app').hidden || (state.camera && state.camera.active()))
			return;
		$('scan').focus({ preventScroll: true });
	}

	/* Whether the passes read so far wait for more of the same booklet (a
	 * service of several passes chosen, not all read yet). Only then does a
	 * new scan add to them; otherwise it starts afresh. */
	function collecting() {
		var service = chosenService();
		return state.basket.length > 0 && !!service && state.basket.length < service.passes;
	}

	/* A new pass is being read: unless the basket waits for more passes,
	 * the passes shown so far are dropped before any answer, so that an
	 * answer never sits above another pass's « Valider » (issue 15). */
	function beginRead() {
		if (!collecting())
			resetBasket();
	}

	/* Whether a parsed text is a mistyped human code (rather than some other
	 * QR code or barcode): 21 symbols, or nearly. */
	function looksLikeCode(parsed) {
		if (parsed.result === 'bad_check' || parsed.result === 'out_of_range')
			return true;
		return (parsed.result === 'too_short' || parsed.result === 'too_long') &&
		    parsed.symbols >= 17 && parsed.symbols <= 25;
	}

	/* Reads what a scanner, the camera or a paste gave. A human code is
	 * checked here as in the code field: a mistyped one gets the code
	 * field's message, is copied there to be corrected, and sends nothing. */
	function readScanned(text) {
		text = String(text || '').trim();
		if (!text)
			return;
		beginRead();
		if (PassCode.isToken(text)) {
			lookup(text, null, api('POST', '/v1/vouchers/lookup', { voucher: text }));
			return;
		}
		var parsed = PassCode.parse(text);
		if (parsed.result === 'ok') {
			lookup(parsed.code, parsed, api('GET', '/v1/vouchers/' + encodeURIComponent(parsed.code)));
			return;
		}
		if (!looksLikeCode(parsed)) {
			answerNotAPass('Ce qui a été lu n\'est ni un QR code de pass ni un code de pass complet.');
			return;
		}
		$('code').value = text;
		onCodeInput();
		answer('warn', codeMessage(parsed).text, ['Code lu : ' + text,
		    'Il a été recopié dans le champ « Taper le code imprimé sous le QR code » : corrigez-le là, ' +
		    'ou scannez le QR code du pass.']);
		keptLine();
		refocus();
	}

	/* After an answer about a pass that was not added: names the passes
	 * still waiting to be validated, if any. */
	function keptLine() {
		if (state.basket.length === 0)
			return;
		appendLine('Ce pass n\'a pas été ajouté. Toujours à valider : ' +
		    state.basket.map(function (p) { return p.code; }).join(', ') + '.');
	}

	/* The message for a typed code, as it is typed. */
	function codeMessage(parsed) {
		switch (parsed.result) {
		case 'empty':
			return { text: '', error: false };
		case 'too_short':
			return { text: 'Code incomplet : il manque ' + plural(parsed.missing, 'caractère', 'caractères') + '.',
			    error: false };
		case 'too_long':
			return { text: 'Le code est trop long : il y a ' + plural(parsed.extra, 'caractère', 'caractères') +
			    ' en trop.', error: true };
		case 'bad_character':
			return { text: 'Le caractère « ' + parsed.character + ' » ne peut pas faire partie d\'un code. ' +
			    'Un code n\'a que des chiffres et des lettres.', error: true };
		case 'out_of_range':
			return { text: 'Il y a une erreur dans le code : il commence toujours par 0 ou 1.', error: true };
		case 'bad_check':
			return { text: 'Il y a une erreur dans le code. Vérifiez chaque caractère.', error: true };
		default:
			return { text: 'Code complet. Appuyez sur « Vérifier le code ».', error: false };
		}
	}

	function onCodeInput() {
		var input = $('code'), status = $('code-status');
		var parsed = PassCode.parse(input.value), m = codeMessage(parsed);
		/* Incomplete is not an error while typing: shown, not announced at
		 * every key; a mistake or a complete code is announced. */
		status.setAttribute('aria-live', parsed.result === 'too_short' ? 'off' : 'polite');
		status.textContent = m.text;
		status.className = 'code-status' + (m.error ? ' code-status-error' : parsed.result === 'ok' ? ' code-status-ok' : '');
		if (m.error)
			input.setAttribute('aria-invalid', 'true');
		else
			input.removeAttribute('aria-invalid');
	}

	function onCodeSubmit(event) {
		event.preventDefault();
		var input = $('code'), status = $('code-status');
		var parsed = PassCode.parse(input.value);
		if (parsed.result === 'ok') {
			input.value = '';
			onCodeInput();
			beginRead();
			lookup(parsed.code, parsed, api('GET', '/v1/vouchers/' + encodeURIComponent(parsed.code)));
			return;
		}
		var m = codeMessage(parsed);
		status.setAttribute('aria-live', 'polite');
		status.textContent = parsed.result === 'empty' ? 'Tapez le code imprimé sous le QR code du pass.' : m.text;
		status.className = 'code-status code-status-error';
		input.setAttribute('aria-invalid', 'true');
		input.focus();
	}

	function onScanSubmit(event) {
		event.preventDefault();
		var input = $('scan'), text = input.value;
		input.value = '';
		readScanned(text);
	}

	/* Shows the answer to a lookup; adds a valid pass to the basket. */
	function lookup(text, parsed, request) {
		answer('busy', 'Vérification du pass…', []);
		request.then(function (r) {
			if (r.status === 200 && r.body)
				return onLookup(text, r.body);
			if (r.status === 422 || r.status === 404 || r.status === 400)
				return answerNotAPass();
			if (r.status === 401)
				return;
			answer('error', 'Le pass n\'a pas pu être vérifié.', [failureSentence(r)]);
			keptLine();
			refocus();
		}, function () {
			answer('error', 'Le pass n\'a pas pu être vérifié.', [UNREACHABLE]);
			keptLine();
			refocus();
		});
	}

	function answerNotAPass(detail) {
		answer('no', 'Ce n\'est pas un pass numérique.', detail ? [detail] :
		    ['Ce QR code ou ce code n\'a pas été émis pour le pass numérique. Vérifiez que vous lisez bien un pass du carnet.']);
		keptLine();
		refocus();
	}

	function onLookup(text, v) {
		var lines = [];
		switch (v.status) {
		case 'valid':
			if (v.usable_here === false) {
				answer('no', 'Ce pass ne peut pas être utilisé ici.', [v.reason || '']);
				break;
			}
			return onValidPass(text, v);
		case 'redeemed':
			answer('no', 'Ce pass a déjà été utilisé le ' + dateFr(v.redeemed_on) + '.', lines);
			if (v.by_you && v.redemption)
				showReceipt(v.redemption, false);
			else if (knownReceipt(v.serial))
				showReceipt(knownReceipt(v.serial), false);
			break;
		case 'expired':
			answer('warn', 'Ce pass n\'est plus valable depuis le ' + dateFr(dayAfter(v.usable_until)) + '.',
			    ['La date limite imprimée sur le pass était le ' + dateFr(v.last_day) + '.']);
			break;
		case 'revoked':
			answer('warn', 'Ce pass a été désactivé.',
			    ['La personne peut contacter la structure qui lui a donné le carnet.']);
			break;
		default:
			answerNotAPass();
			return;
		}
		keptLine();
		refocus();
	}

	/* ---------- The answer ---------- */

	function icon(kind) {
		var svg = document.createElementNS(SVG, 'svg');
		svg.setAttribute('viewBox', '0 0 24 24');
		svg.setAttribute('aria-hidden', 'true');
		svg.setAttribute('focusable', 'false');
		svg.setAttribute('class', 'answer-icon');
		var paths = {
			ok: ['M12 1a11 11 0 1 0 0 22a11 11 0 0 0 0-22z', 'M6.5 12.5l3.5 3.5l7.5-8'],
			no: ['M12 1a11 11 0 1 0 0 22a11 11 0 0 0 0-22z', 'M8 8l8 8M16 8l-8 8'],
			warn: ['M12 2L1.5 21h21z', 'M12 9v6M12 17.5v1'],
			error: ['M12 2L1.5 21h21z', 'M12 9v6M12 17.5v1'],
			busy: ['M12 1a11 11 0 1 0 0 22a11 11 0 0 0 0-22z', 'M12 6v6l4 2'],
			info: ['M12 1a11 11 0 1 0 0 22a11 11 0 0 0 0-22z', 'M12 10.5v7M12 6.5v1'],
			idle: ['M3 3h7v7h-7zM14 3h7v7h-7zM3 14h7v7h-7z', 'M14 14h3v3h-3zM18 18h3v3h-3z']
		}[kind] || [];
		paths.forEach(function (d, i) {
			var p = document.createElementNS(SVG, 'path');
			p.setAttribute('d', d);
			p.setAttribute('class', i === 0 ? 'icon-shape' : 'icon-mark');
			svg.appendChild(p);
		});
		return svg;
	}

	/* Replaces the answer: kind (ok, no, warn, error, busy, idle), a title
	 * sentence, detail lines. The region is role="status". */
	function answer(kind, title, lines) {
		var box = $('answer');
		box.className = 'answer answer-' + kind;
		box.textContent = '';
		var head = el('div', 'answer-head');
		head.appendChild(icon(kind));
		head.appendChild(el('p', 'answer-title', title));
		box.appendChild(head);
		(lines || []).forEach(function (line) {
			if (line)
				box.appendChild(el('p', 'answer-line', line));
		});
		if (kind !== 'ok' && kind !== 'busy' && state.basket.length === 0)
			show($('service-box'), false);
		if (kind !== 'busy' && kind !== 'idle')
			bringIntoView(box.parentElement);
	}

	/* Scrolls so that node starts at the top of the window, unless it is
	 * already wholly in view (a phone shows the answer, a desktop does not
	 * move). */
	function bringIntoView(node) {
		var box = node.getBoundingClientRect();
		if (box.top < 0 || box.bottom > window.innerHeight)
			node.scrollIntoView({ block: 'start' });
	}

	function appendLine(line) {
		$('answer').appendChild(el('p', 'answer-line', line));
	}

	function idle() {
		answer('idle', 'Prêt : scannez ou tapez un pass.', []);
	}

	/* ---------- Basket and service ---------- */

	function resetBasket() {
		state.pass = null;
		state.basket = [];
		state.service = null;
		state.attempt = null;
		show($('service-box'), false);
		show($('redeem-error'), false);
	}

	function chosenService() {
		var list = (state.pass && state.pass.services) || [];
		for (var i = 0; i < list.length; i++)
			if (list[i].code === state.service)
				return list[i];
		return null;
	}

	function onValidPass(text, v) {
		var service = chosenService();
		var collecting = state.basket.length > 0 && service && state.basket.length < service.passes;
		if (collecting) {
			for (var i = 0; i < state.basket.length; i++) {
				if (state.basket[i].serial === v.serial) {
					answer('warn', 'Ce pass est déjà dans la liste.', ['Scannez un autre pass du carnet.']);
					renderBasket();
					refocus();
					return;
				}
			}
			var fits = (v.services || []).some(function (s) { return s.code === service.code; });
			if (!fits) {
				answer('no', 'Ce pass ne peut pas être utilisé ici.',
				    ['Il ne paie pas la prestation « ' + service.name + ' ».']);
				keptLine();
				refocus();
				return;
			}
		} else {
			resetBasket();
			hideReceipt();
			state.pass = v;
			var list = v.services || [];
			state.service = list.length === 1 ? list[0].code : null;
		}
		state.basket.push({ text: text, code: v.code, serial: v.serial, value_cents: v.value_cents });
		var lines = [];
		var today = state.me && state.me.today;
		if (today && v.last_day && today > v.last_day)
			lines.push('La date imprimée (' + dateFr(v.last_day) + ') est passée, mais le pass est encore accepté jusqu\'au ' +
			    dateFr(v.usable_until) + '.');
		else
			lines.push('Valable jusqu\'au ' + dateFr(v.last_day) + '.');
		if (v.funder)
			lines.push('Financé par ' + v.funder + '.');
		answer('ok', 'Pass valable — ' + money(v.value_cents) + '.', lines);
		renderServices();
		renderBasket();
		show($('service-box'), true);
		refocus();
	}

	function renderServices() {
		var box = $('services'), list = (state.pass && state.pass.services) || [];
		box.textContent = '';
		list.forEach(function (s, i) {
			var row = el('div', 'choice');
			var input = el('input');
			input.type = 'radio';
			input.name = 'service';
			input.id = 'service-' + i;
			input.value = s.code;
			input.checked = s.code === state.service;
			input.addEventListener('change', function () {
				state.service = s.code;
				state.attempt = null;
				renderBasket();
			});
			var label = el('label', null, s.name + ' — ' + passes(s.passes));
			label.htmlFor = input.id;
			row.appendChild(input);
			row.appendChild(label);
			box.appendChild(row);
		});
	}

	function renderBasket() {
		var service = chosenService(), list = $('basket'), status = $('basket-status');
		var need = service ? service.passes : 1, have = state.basket.length;
		list.textContent = '';
		state.basket.forEach(function (p, i) {
			var item = el('li', 'basket-item');
			item.appendChild(el('span', 'basket-code', p.code));
			item.appendChild(el('span', 'basket-value', money(p.value_cents)));
			if (state.basket.length > 1) {
				var remove = el('button', 'button button-quiet button-small', 'Retirer');
				remove.type = 'button';
				remove.setAttribute('aria-label', 'Retirer le pass ' + p.code);
				remove.addEventListener('click', function () {
					state.basket.splice(i, 1);
					state.attempt = null;
					renderBasket();
					refocus();
				});
				item.appendChild(remove);
			}
			list.appendChild(item);
		});
		$('basket-title').textContent = have > 1 ? 'Pass à valider (' + have + ')' : 'Pass à valider';
		if (!service)
			status.textContent = 'Choisissez la prestation.';
		else if (have < need)
			status.textContent = 'Cette prestation demande ' + passes(need) + ' : ' + have + ' lu' + (have > 1 ? 's' : '') +
			    ', il en manque ' + (need - have) + '. Scannez le pass suivant du carnet.';
		else if (have > need)
			status.textContent = 'Cette prestation demande ' + passes(need) + ' : retirez ' + (have - need) +
			    ' pass de la liste.';
		else
			status.textContent = need > 1 ? 'Les ' + need + ' pass sont prêts.' : 'Le pass est prêt.';
		$('redeem').textContent = need > 1 || have > 1 ? 'Valider les pass' : 'Valider le pass';
		show($('redeem-error'), false);
	}

	function basketSignature() {
		return state.service + '|' + state.basket.map(function (p) { return p.serial; }).sort().join(',');
	}

	function newKey() {
		if (window.crypto && typeof window.crypto.randomUUID === 'function')
			return window.crypto.randomUUID();
		var bytes = new Uint8Array(16);
		window.crypto.getRandomValues(bytes);
		return Array.from(bytes, function (b) { return b.toString(16).padStart(2, '0'); }).join('');
	}

	function redeemError(text) {
		var box = $('redeem-error');
		box.textContent = text;
		show(box, true);
	}

	function onRedeem() {
		var service = chosenService();
		if (!service) {
			redeemError('Choisissez d\'abord la prestation.');
			var first = document.querySelector('#services input');
			if (first)
				first.focus();
			return;
		}
		if (state.basket.length !== service.passes) {
			redeemError(state.basket.length < service.passes ?
			    'Il manque ' + passes(service.passes - state.basket.length) + ' : scannez le pass suivant, puis validez.' :
			    'Il y a trop de pass pour cette prestation : retirez-en ' + (state.basket.length - service.passes) + '.');
			refocus();
			return;
		}
		var signature = basketSignature();
		if (!state.attempt || state.attempt.signature !== signature)
			state.attempt = { signature: signature, key: newKey() };
		var button = $('redeem');
		button.disabled = true;
		answer('busy', 'Enregistrement du paiement…', []);
		api('POST', '/v1/redemptions', {
			vouchers: state.basket.map(function (p) { return p.text; }),
			service: service.code,
			idempotency_key: state.attempt.key
		}).then(function (r) {
			button.disabled = false;
			onRedeemed(r, service);
		}, function () {
			button.disabled = false;
			answer('error', 'Le paiement n\'a pas pu être enregistré.', [UNREACHABLE,
			    'Vous pouvez appuyer à nouveau sur « Valider » : le paiement ne sera pas compté deux fois.']);
		});
	}

	function onRedeemed(r, service) {
		var code = errorCode(r);
		if (r.status === 201 && r.body) {
			rememberReceipt(r.body);
			resetBasket();
			answer('ok', 'Paiement enregistré — ' + money(r.body.value_cents) + '.',
			    [service.name + ', ' + passes(r.body.vouchers.length) + '. Le reçu est affiché ci-dessous.']);
			showReceipt(r.body, true);
			loadHistory();
			refocus();
			return;
		}
		if (r.status === 401)
			return;
		if (r.status === 409 && code === 'ALREADY_REDEEMED') {
			var on = r.body.redeemed_on;
			resetBasket();
			answer('no', on ? 'Ce pass a déjà été utilisé le ' + dateFr(on) + '.' : 'Un de ces pass a déjà été utilisé.',
			    ['Aucun pass n\'a été compté.']);
			if (r.body.by_you && r.body.redemption)
				showReceipt(r.body.redemption, false);
		} else if (r.status === 410) {
			resetBasket();
			answer('warn', code === 'REVOKED' ? 'Un de ces pass a été désactivé.' : 'Un de ces pass n\'est plus valable.',
			    [code === 'REVOKED' ? 'La personne peut contacter la structure qui lui a donné le carnet.' : '',
			    'Aucun pass n\'a été compté.']);
		} else if (r.status === 403) {
			answer('no', 'Ce pass ne peut pas être utilisé ici.', [frenchOr(errorMessage(r), ''), 'Aucun pass n\'a été compté.']);
		} else if (r.status === 422) {
			resetBasket();
			answer('no', 'Ce n\'est pas un pass numérique.', ['Aucun pass n\'a été compté.']);
		} else if (code === 'WRONG_PASS_COUNT' || code === 'DUPLICATE_PASS') {
			redeemError(code === 'DUPLICATE_PASS' ? 'Le même pass a été lu deux fois : retirez-le de la liste.' :
			    'Le nombre de pass ne correspond pas à la prestation.');
			return;
		} else {
			answer('error', 'Le paiement n\'a pas pu être enregistré.', [failureSentence(r)]);
			return;
		}
		refocus();
	}

	/* A server message when it is French (the registry's reasons), else fallback. */
	function frenchOr(message, fallback) {
		return /[àâçéèêëîïôûùœ]|^Ce |^Le |^La /.test(message || '') ? message : fallback;
	}

	/* ---------- Receipts and cancellation ---------- */

	function rememberReceipt(body) {
		try {
			var store = JSON.parse(sessionStorage.getItem('passnum.receipts') || '{}');
			(body.vouchers || []).forEach(function (serial) { store[serial] = body; });
			sessionStorage.setItem('passnum.receipts', JSON.stringify(store));
		} catch (e) {
			/* storage full or refused: the receipt is still shown */
		}
	}

	function knownReceipt(serial) {
		try {
			var store = JSON.parse(sessionStorage.getItem('passnum.receipts') || '{}');
			return serial && store[serial] ? store[serial] : null;
		} catch (e) {
			return null;
		}
	}

	function entryOf(body) {
		return (body && body.receipt && body.receipt.entry) || {};
	}

	/* The browser time until which redemption body may be cancelled. */
	function deadlineOf(createdUnix) {
		var fromServer = createdUnix * 1000 + CANCEL_MS - state.offsetMs;
		return Math.min(fromServer, Date.now() + CANCEL_MS);
	}

	function addRow(list, term, value, className) {
		list.appendChild(el('dt', null, term));
		list.appendChild(el('dd', className || null, value));
	}

	function showReceipt(body, fresh) {
		var entry = entryOf(body), list = $('receipt'), box = $('receipt-box');
		list.textContent = '';
		$('receipt-title').textContent = 'Reçu du paiement n° ' + body.id;
		addRow(list, 'Lieu', state.me ? state.me.name : '');
		addRow(list, 'Date', dateFr(body.day) + (entry.time ? ', ' + timeFr(entry.time) : ''));
		addRow(list, 'Prestation', serviceName(body.service));
		addRow(list, 'Montant', money(body.value_cents));
		addRow(list, 'Pass', (body.vouchers || []).map(codeOfSerial).join('\n'), 'mono pre');
		addRow(list, 'Écriture du journal', entry.seq !== undefined ? 'n° ' + entry.seq : '');
		addRow(list, 'Empreinte de l\'écriture', entry.entry_hash || '', 'mono wrap-any');
		addRow(list, 'Signature (clé ' + ((body.receipt && body.receipt.key_id) || '') + ')',
		    (body.receipt && body.receipt.signature) || '', 'mono wrap-any');
		stopTimer();
		$('cancel-status').textContent = '';
		var created = entry.time_unix !== undefined ? entry.time_unix : Date.parse(entry.time) / 1000;
		state.receipt = { id: body.id, deadline: deadlineOf(created), cancelled: false };
		show($('cancel'), true);
		$('cancel').disabled = false;
		tick();
		state.timer = setInterval(tick, 1000);
		show(box, true);
		if (fresh && !$('refocus').checked)
			box.focus({ preventScroll: true });
		if (fresh)
			bringIntoView($('answer').parentElement);
	}

	function stopTimer() {
		if (state.timer)
			clearInterval(state.timer);
		state.timer = null;
	}

	function countdown(ms) {
		var s = Math.max(0, Math.ceil(ms / 1000));
		return Math.floor(s / 60) + '\u00a0min\u00a0' + String(s % 60).padStart(2, '0') + '\u00a0s';
	}

	/* Updates the visible countdown on the cancel button (not a live region:
	 * screen readers are told only when cancelling ends). */
	function tick() {
		var r = state.receipt, button = $('cancel');
		if (!r || r.cancelled)
			return;
		var left = r.deadline - Date.now();
		if (left <= 0) {
			stopTimer();
			show(button, false);
			$('cancel-status').textContent = 'Le délai de 15 minutes pour annuler est passé.';
			return;
		}
		button.textContent = 'Annuler ce paiement (encore ' + countdown(left) + ')';
	}

	/* Cancels redemption id (the receipt shown, or a row of the list). */
	function cancelRedemption(id, button) {
		var r = state.receipt && String(state.receipt.id) === String(id) ? state.receipt : null;
		button.disabled = true;
		api('POST', '/v1/redemptions/' + encodeURIComponent(id) + '/cancel').then(function (res) {
			button.disabled = false;
			var code = errorCode(res);
			if (res.status === 200) {
				if (r) {
					r.cancelled = true;
					stopTimer();
					show($('cancel'), false);
					$('receipt-title').textContent = 'Reçu du paiement n° ' + id + ' (annulé)';
				}
				$('cancel-status').textContent = r ? 'Paiement annulé. Les pass peuvent être utilisés à nouveau.' : '';
				answer('info', 'Paiement n° ' + id + ' annulé.', ['Les pass peuvent être utilisés à nouveau.']);
				loadHistory();
				refocus();
				return;
			}
			if (res.status === 401)
				return;
			var text;
			if (code === 'TOO_LATE_TO_CANCEL')
				text = 'Le délai de 15 minutes est passé : ce paiement ne peut plus être annulé.';
			else if (code === 'ALREADY_CANCELLED')
				text = 'Ce paiement est déjà annulé.';
			else
				text = 'L\'annulation n\'a pas pu être faite. ' + failureSentence(res);
			if (r && (code === 'TOO_LATE_TO_CANCEL' || code === 'ALREADY_CANCELLED')) {
				stopTimer();
				show($('cancel'), false);
			}
			if (r)
				$('cancel-status').textContent = text;
			else
				answer('error', text, []);
		}, function () {
			button.disabled = false;
			var text = 'L\'annulation n\'a pas pu être faite. ' + UNREACHABLE;
			if (r)
				$('cancel-status').textContent = text;
			else
				answer('error', text, []);
		});
	}

	function onCancel() {
		if (state.receipt)
			cancelRedemption(state.receipt.id, $('cancel'));
	}

	/* ---------- History ---------- */

	function loadHistory() {
		var me = state.me;
		if (!me || !me.today)
			return;
		var from = me.today.slice(0, 8) + '01';
		$('month-title').textContent = monthFr(me.today);
		api('GET', '/v1/redemptions?from=' + from + '&to=' + me.today).then(function (r) {
			if (r.status !== 200 || !r.body) {
				if (r.status !== 401)
					historyError('La liste des passages n\'a pas pu être chargée. ' + failureSentence(r));
				return;
			}
			show($('history-error'), false);
			state.history = r.body.redemptions || [];
			renderHistory();
		}, function () {
			historyError('La liste des passages n\'a pas pu être chargée. ' + UNREACHABLE);
		});
	}

	function historyError(text) {
		var box = $('history-error');
		box.textContent = text;
		show(box, true);
	}

	function totalText(rows) {
		var cents = 0;
		rows.forEach(function (r) { cents += r.value_cents; });
		return plural(rows.length, 'passage', 'passages') + ' · ' + money(cents);
	}

	/* A cell of the list; label names its column on narrow screens. */
	function cell(label, className, text) {
		var td = el('td', className, text);
		td.setAttribute('role', 'cell');
		td.setAttribute('data-label', label);
		return td;
	}

	function renderHistory() {
		var rows = state.history, today = state.me.today, body = $('history');
		var live = rows.filter(function (r) { return !r.cancelled_at; });
		$('today-total').textContent = totalText(live.filter(function (r) { return r.day === today; }));
		$('month-total').textContent = totalText(live);
		body.textContent = '';
		if (rows.length === 0) {
			var tr = el('tr'), td = cell('', 'empty', 'Aucun passage ce mois-ci.');
			tr.setAttribute('role', 'row');
			td.colSpan = 5;
			tr.appendChild(td);
			body.appendChild(tr);
			return;
		}
		rows.slice().reverse().forEach(function (r) {
			var tr = el('tr');
			tr.setAttribute('role', 'row');
			tr.appendChild(cell('Date', null, (r.day === today ? 'Aujourd\'hui' : dateFr(r.day, false)) + ', ' +
			    timeFr(r.created_at)));
			tr.appendChild(cell('Prestation', null, serviceName(r.service)));
			tr.appendChild(cell('Pass', 'num', String(r.passes)));
			tr.appendChild(cell('Montant', 'num', money(r.value_cents)));
			var status = cell('État', r.cancelled_at ? 'state-cancelled' : null, r.cancelled_at ? 'Annulé' : 'Payé');
			if (!r.cancelled_at && deadlineOf(Date.parse(r.created_at) / 1000) > Date.now()) {
				var cancel = el('button', 'button button-quiet button-small', 'Annuler');
				cancel.type = 'button';
				cancel.setAttribute('aria-label', 'Annuler le paiement n° ' + r.id);
				cancel.addEventListener('click', function () { cancelRedemption(r.id, cancel); });
				status.appendChild(document.createTextNode(' '));
				status.appendChild(cancel);
			}
			tr.appendChild(status);
			body.appendChild(tr);
		});
	}

	/* ---------- Statements (relevés de remboursement) ---------- */

	var PAYOUT_STATES = {
		issued: 'Virement demandé à la banque', accepted: 'Virement accepté par la banque',
		rejected: 'Virement rejeté par la banque', returned: 'Virement retourné par la banque'
	};

	/* "2027-02" as « février 2027 ». */
	function periodFr(period) {
		return monthFr(period).toLowerCase();
	}

	function statementsStatus(text, bad) {
		var p = $('statements-status');
		p.textContent = text;
		p.className = 'basket-status' + (bad ? ' code-status-error' : '');
	}

	function loadStatements() {
		api('GET', '/v1/places/me/statements').then(function (r) {
			if (r.status !== 200 || !r.body) {
				if (r.status !== 401)
					statementsError('Vos relevés n\'ont pas pu être chargés. ' + failureSentence(r));
				return;
			}
			show($('statements-error'), false);
			renderStatements(r.body);
		}, function () {
			statementsError('Vos relevés n\'ont pas pu être chargés. ' + UNREACHABLE);
		});
	}

	function statementsError(text) {
		var box = $('statements-error');
		box.textContent = text;
		show(box, true);
	}

	/* One file of statement s: its PDF or its HTML, named after its number. */
	function saveStatement(s, format, button) {
		var name = s.statement + '.' + format;
		button.disabled = true;
		statementsStatus('Téléchargement du relevé de ' + periodFr(s.period) + '…', false);
		saveFile('/v1/places/me/statements/' + encodeURIComponent(s.period) + '?format=' + format, name,
		    format === 'pdf' ? 'application/pdf' : 'text/html;charset=utf-8').then(function () {
			button.disabled = false;
			statementsStatus('Le fichier ' + name + ' a été téléchargé.', false);
		}, function () {
			button.disabled = false;
			statementsStatus('Le relevé n\'a pas pu être téléchargé. Réessayez dans un instant.', true);
		});
	}

	function statementButton(s, format, text) {
		var b = el('button', 'button button-quiet button-small', text);
		b.type = 'button';
		b.setAttribute('aria-label', text + ' le relevé de ' + periodFr(s.period));
		b.addEventListener('click', function () { saveStatement(s, format, b); });
		return b;
	}

	function renderStatements(body) {
		var list = body.statements || [], tbody = $('statements'), payee = body.payee || {};
		$('statements-payee').textContent = 'Structure qui reçoit les virements : ' + payee.name + ' (SIRET ' +
		    payee.siret + ').' + (payee.places > 1 ? ' Chaque relevé couvre ses ' + payee.places +
		    ' lieux, celui-ci compris.' : '');
		tbody.textContent = '';
		show($('statements-empty'), list.length === 0);
		show($('statements-list'), list.length > 0);
		list.forEach(function (s) {
			var tr = el('tr'), td = cell('Fichiers', null), files = el('div', 'statement-files');
			tr.setAttribute('role', 'row');
			tr.appendChild(cell('Mois remboursé', null, periodFr(s.period)));
			tr.appendChild(cell('N° de relevé', null, s.statement));
			tr.appendChild(cell('Montant viré', 'num', money(s.amount_cents)));
			tr.appendChild(cell('Date du virement', null, dateFr(s.execution_day)));
			tr.appendChild(cell('Référence du virement', null, s.end_to_end_id));
			tr.appendChild(cell('État', null, PAYOUT_STATES[s.status] || s.status));
			files.appendChild(statementButton(s, 'pdf', 'Télécharger (PDF)'));
			files.appendChild(statementButton(s, 'html', 'Afficher (HTML)'));
			td.appendChild(files);
			tr.appendChild(td);
			tbody.appendChild(tr);
		});
	}

	/* ---------- Camera (web/camera.js) ---------- */

	function stopCamera() {
		if (state.camera)
			state.camera.stop();
	}

	/* ---------- Wiring ---------- */

	function hideReceipt() {
		stopTimer();
		show($('receipt-box'), false);
		state.receipt = null;
	}

	function onNext() {
		hideReceipt();
		idle();
		refocus(true);
	}

	/* What the distributor's and the funder's pages share with this one. */
	window.PassnumShell = {
		api: api, errorCode: errorCode, errorMessage: errorMessage, failureSentence: failureSentence,
		UNREACHABLE: UNREACHABLE, money: money, dateFr: dateFr, monthFr: monthFr, plural: plural,
		el: el, show: show, icon: icon, saveFile: saveFile, signOut: function () { signOut(null); }
	};

	function init() {
		var saved = localStorage.getItem(REFOCUS_KEY);
		$('refocus').checked = saved !== 'off';
		$('refocus').addEventListener('change', function () {
			localStorage.setItem(REFOCUS_KEY, this.checked ? 'on' : 'off');
		});
		$('signin-form').addEventListener('submit', function (event) {
			event.preventDefault();
			var token = $('token').value.trim();
			if (!token) {
				showSignIn('Entrez votre clé d\'accès.');
				return;
			}
			signInWith(token, true);
		});
		$('signout').addEventListener('click', function () { signOut(null); });
		$('scan-form').addEventListener('submit', onScanSubmit);
		$('code-form').addEventListener('submit', onCodeSubmit);
		$('code').addEventListener('input', onCodeInput);
		$('redeem').addEventListener('click', onRedeem);
		$('clear').addEventListener('click', function () {
			resetBasket();
			idle();
			refocus();
		});
		$('print').addEventListener('click', function () { window.print(); });
		$('cancel').addEventListener('click', onCancel);
		$('next').addEventListener('click', onNext);
		$('refresh').addEventListener('click', loadHistory);
		state.camera = window.PassnumCamera.attach({
			start: $('camera-start'), stop: $('camera-stop'), box: $('camera-box'),
			video: $('camera-video'), error: $('camera-error'), unavailable: $('camera-unavailable'),
			onRead: readScanned
		});
		/* A click on nothing in particular gives the scanner field its focus back. */
		document.addEventListener('click', function () {
			setTimeout(function () {
				if (document.activeElement === document.body)
					refocus();
			}, 0);
		});
		var token = sessionStorage.getItem(TOKEN_KEY);
		if (token)
			signInWith(token, false);
		else
			showSignIn(null);
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
