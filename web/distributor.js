/* The distributor's page: opened by the sign-in (app.js) for a
 * distributor's token. Its stock by campaign with the J-30 alert, hand-out
 * of a booklet (its number typed, or any pass of it scanned, typed or read
 * by the camera; today by default), return of a booklet to the operator,
 * the hand-outs of this month. Never records who receives a booklet. Talks
 * only to /v1/distributors/me/... (docs/api.md). Exposes
 * window.PassnumDistributor = { enter, leave }. */
(function () {
	'use strict';

	var state = { me: null, today: null, stock: [], camera: null, busy: false };

	function $(id) {
		return document.getElementById(id);
	}

	function S() {
		return window.PassnumShell;
	}

	function pad6(n) {
		return String(n).padStart(6, '0');
	}

	function campaignName(c) {
		return 'n° ' + c.campaign_id + ' — ' + c.funder;
	}

	function campaignOf(id) {
		for (var i = 0; i < state.stock.length; i++)
			if (state.stock[i].campaign_id === id)
				return state.stock[i];
		return null;
	}

	/* "1, 2, 3, 7" -> "000001 à 000003, 000007". */
	function ranges(list) {
		var out = [], i = 0;
		while (i < list.length) {
			var j = i;
			while (j + 1 < list.length && list[j + 1] === list[j] + 1)
				j++;
			out.push(j === i ? pad6(list[i]) : pad6(list[i]) + ' à ' + pad6(list[j]));
			i = j + 1;
		}
		return out.join(', ');
	}

	function answer(kind, title, lines) {
		var box = $('d-answer'), s = S();
		box.className = 'answer answer-' + kind;
		box.textContent = '';
		var head = s.el('div', 'answer-head');
		head.appendChild(s.icon(kind));
		head.appendChild(s.el('p', 'answer-title', title));
		box.appendChild(head);
		(lines || []).forEach(function (line) {
			if (line)
				box.appendChild(s.el('p', 'answer-line', line));
		});
		var card = box.parentElement.getBoundingClientRect();
		if (kind !== 'busy' && (card.top < 0 || card.bottom > window.innerHeight))
			box.parentElement.scrollIntoView({ block: 'start' });
	}

	/* ---------- Reading what was typed or scanned ---------- */

	/* { booklet: N } | { pass: text } | { error: sentence }. */
	function readInput(text) {
		text = String(text || '').trim();
		if (!text)
			return { error: 'Tapez le numéro du carnet, ou scannez un pass du carnet.' };
		var number = /^(?:carnet\s*(?:n\s*°|no|n)?\s*)?(\d{1,9})$/i.exec(text);
		if (number) {
			var n = Number(number[1]);
			return n > 0 ? { booklet: n } : { error: 'Le numéro de carnet commence à 000001.' };
		}
		if (window.PassCode.isToken(text))
			return { pass: text };
		var parsed = window.PassCode.parse(text);
		if (parsed.result === 'ok')
			return { pass: parsed.code };
		if (parsed.result === 'bad_check' || parsed.result === 'out_of_range')
			return { error: 'Il y a une erreur dans le code. Vérifiez chaque caractère.' };
		if ((parsed.result === 'too_short' || parsed.result === 'too_long') && parsed.symbols >= 17 && parsed.symbols <= 25)
			return { error: 'Le code n\'est pas complet : il a 21 caractères, sous la forme XXXXX-XXXXX-XXXXX-XXXXX-X.' };
		return { error: 'Ce n\'est ni un numéro de carnet, ni un pass numérique.' };
	}

	function readStatus(text, bad) {
		var status = $('d-read-status'), input = $('d-read');
		status.textContent = text || '';
		status.className = 'code-status' + (bad ? ' code-status-error' : '');
		if (bad)
			input.setAttribute('aria-invalid', 'true');
		else
			input.removeAttribute('aria-invalid');
	}

	/* ---------- Hand-out ---------- */

	function handoutRefusal(r) {
		var code = S().errorCode(r), message = S().errorMessage(r);
		var day = /(\d{4}-\d{2}-\d{2})/.exec(message || '');
		switch (code) {
		case 'NOT_YOURS':
			return ['Ce carnet n\'est pas dans votre stock.', 'Vérifiez le numéro. Si ce carnet vous a bien été livré, ' +
			    'contactez l\'opérateur du pass numérique.'];
		case 'ALREADY_HANDED_OUT':
			return ['Ce carnet a déjà été remis à une personne' + (day ? ' le ' + S().dateFr(day[1]) : '') + '.',
			    'Il ne peut pas être remis une deuxième fois.'];
		case 'CAMPAIGN_ENDED':
			return ['La campagne de ce carnet s\'est terminée' + (day ? ' le ' + S().dateFr(day[1]) : '') + '.',
			    'Ses pass ne sont plus valables : ne le remettez pas. Rendez-le à l\'opérateur.'];
		case 'BOOKLET_NOT_USABLE':
			return ['Un pass de ce carnet a été désactivé : ce carnet ne peut pas être remis.',
			    'Rendez-le à l\'opérateur du pass numérique.'];
		case 'BAD_DATE':
			return ['Cette date ne convient pas.', 'La date de la remise ne peut être ni après aujourd\'hui, ' +
			    'ni avant la livraison du carnet chez vous.'];
		case 'UNKNOWN_BOOKLET':
			return ['Aucun carnet ne porte ce numéro.', 'Vérifiez le numéro imprimé sur la couverture ou le talon.'];
		case 'UNKNOWN_VOUCHER':
			return ['Ce n\'est pas un pass numérique.', 'Ce QR code ou ce code n\'a pas été émis pour le pass numérique.'];
		default:
			if (r.status === 422)
				return ['Ce n\'est pas un pass numérique.', 'Ce QR code ou ce code ne peut pas être lu comme un pass.'];
			return ['Le carnet n\'a pas pu être remis.', S().failureSentence(r)];
		}
	}

	function handOut(text) {
		if (state.busy)
			return;
		var what = readInput(text);
		if (what.error) {
			readStatus(what.error, true);
			answer('no', what.error, ['Rien n\'a été enregistré.']);
			$('d-read').focus();
			return;
		}
		var day = $('d-day').value || state.today;
		var body = what.booklet ? { booklet: what.booklet } : { pass: what.pass };
		if (day !== state.today)
			body.day = day;
		readStatus('', false);
		state.busy = true;
		$('d-handout').disabled = true;
		answer('busy', 'Enregistrement de la remise…', []);
		S().api('POST', '/v1/distributors/me/handouts', body).then(function (r) {
			state.busy = false;
			$('d-handout').disabled = false;
			if (r.status === 401)
				return;
			if (r.status === 201 && r.body) {
				$('d-read').value = '';
				answer('ok', 'Carnet n\u00b0\u00a0' + pad6(r.body.booklet) + ' remis le ' + S().dateFr(r.body.day) + '.',
				    ['La remise est enregistrée, sans rien sur la personne.']);
				refresh();
			} else {
				var t = handoutRefusal(r);
				answer(r.status >= 500 || r.status === 429 ? 'error' : 'no', t[0], [t[1], 'Rien n\'a été enregistré.']);
			}
			$('d-read').focus();
		}, function () {
			state.busy = false;
			$('d-handout').disabled = false;
			answer('error', 'Le carnet n\'a pas pu être remis.', [S().UNREACHABLE]);
		});
	}

	/* ---------- Return ---------- */

	function returnStatus(text, bad) {
		var status = $('d-return-status'), input = $('d-return-booklet');
		status.textContent = text;
		status.className = 'code-status' + (bad ? ' code-status-error' : ' code-status-ok');
		if (bad)
			input.setAttribute('aria-invalid', 'true');
		else
			input.removeAttribute('aria-invalid');
	}

	function giveBack() {
		var m = /^\s*(?:carnet\s*(?:n\s*°|no|n)?\s*)?(\d{1,9})\s*$/i.exec($('d-return-booklet').value);
		var reason = document.querySelector('input[name="d-reason"]:checked');
		if (!m || Number(m[1]) === 0) {
			returnStatus('Tapez le numéro du carnet à rendre (les chiffres imprimés sur sa couverture).', true);
			$('d-return-booklet').focus();
			return;
		}
		var n = Number(m[1]);
		$('d-return').disabled = true;
		S().api('POST', '/v1/distributors/me/returns', { booklet: n, reason: reason ? reason.value : 'unused' })
		    .then(function (r) {
			$('d-return').disabled = false;
			if (r.status === 401)
				return;
			var code = S().errorCode(r);
			if (r.status === 200) {
				$('d-return-booklet').value = '';
				returnStatus('Carnet n\u00b0\u00a0' + pad6(n) + ' rendu à l\'opérateur' +
				    (r.body && r.body.reason === 'lost' ? ' comme perdu : l\'opérateur pourra désactiver ses pass.' :
				    '. Il n\'est plus dans votre stock.'), false);
				refresh();
			} else if (code === 'BOOKLET_HANDED_OUT') {
				returnStatus('Ce carnet a été remis à une personne : il ne peut pas revenir. Si la personne l\'a perdu, ' +
				    'prévenez l\'opérateur, qui peut désactiver ses pass.', true);
			} else if (code === 'NOT_YOURS' || code === 'BOOKLET_NOT_DELIVERED') {
				returnStatus('Ce carnet n\'est pas dans votre stock.', true);
			} else if (code === 'UNKNOWN_BOOKLET') {
				returnStatus('Aucun carnet ne porte ce numéro.', true);
			} else {
				returnStatus('Le carnet n\'a pas pu être rendu. ' + S().failureSentence(r), true);
			}
		}, function () {
			$('d-return').disabled = false;
			returnStatus('Le carnet n\'a pas pu être rendu. ' + S().UNREACHABLE, true);
		});
	}

	/* ---------- Stock and this month ---------- */

	function cell(label, className, text) {
		var td = S().el('td', className, text);
		td.setAttribute('data-label', label);
		return td;
	}

	function renderStock() {
		var body = $('d-stock'), alerts = $('d-alerts'), s = S();
		body.textContent = '';
		alerts.textContent = '';
		if (state.stock.length === 0) {
			var tr = s.el('tr'), td = cell('', 'empty', 'Aucun carnet ne vous a encore été livré.');
			td.colSpan = 7;
			tr.appendChild(td);
			body.appendChild(tr);
		}
		state.stock.forEach(function (c) {
			var tr = s.el('tr');
			tr.appendChild(cell('Campagne', null, campaignName(c) + ' (pass de ' + s.money(c.value_cents) + ')'));
			tr.appendChild(cell('Dernier jour', c.ending_soon ? 'state-soon' : null, s.dateFr(c.last_day) +
			    (c.ended ? ' (terminée)' : c.ending_soon ? ' (dans ' + s.plural(c.days_left, 'jour', 'jours') + ')' : '')));
			tr.appendChild(cell('Reçus', 'num', String(c.received)));
			tr.appendChild(cell('Remis', 'num', String(c.handed_out)));
			tr.appendChild(cell('Rendus', 'num', String(c.returned)));
			tr.appendChild(cell('En stock', 'num', String(c.in_stock)));
			tr.appendChild(cell('Numéros en stock', 'mono', c.booklets_in_stock.length ? ranges(c.booklets_in_stock) : '—'));
			body.appendChild(tr);
			if (c.ending_soon || (c.ended && c.in_stock > 0)) {
				var p = s.el('p', 'notice notice-warning', c.ended ?
				    'La campagne ' + campaignName(c) + ' s\'est terminée le ' + s.dateFr(c.last_day) + ' : ' +
				    'vos ' + s.plural(c.in_stock, 'carnet', 'carnets') + ' en stock ne valent plus rien. Rendez-les à l\'opérateur.' :
				    'Attention : la campagne ' + campaignName(c) + ' se termine le ' + s.dateFr(c.last_day) +
				    (c.days_left === 0 ? ', aujourd\'hui' : ', dans ' + s.plural(c.days_left, 'jour', 'jours')) + '. ' +
				    'Il vous reste ' + s.plural(c.in_stock, 'carnet', 'carnets') + ' à remettre avant cette date.');
				alerts.appendChild(p);
			}
		});
	}

	function renderMonth(body) {
		var list = $('d-month'), s = S();
		list.textContent = '';
		$('d-month-title').textContent = 'Remises de ce mois (' + s.monthFr(body.month) + ')';
		$('d-month-total').textContent = s.plural(body.count, 'carnet remis', 'carnets remis') + ' ce mois-ci';
		if (body.handouts.length === 0) {
			var tr = s.el('tr'), td = cell('', 'empty', 'Aucun carnet remis ce mois-ci.');
			td.colSpan = 3;
			tr.appendChild(td);
			list.appendChild(tr);
			return;
		}
		body.handouts.forEach(function (h) {
			var tr = s.el('tr'), c = campaignOf(h.campaign_id);
			tr.appendChild(cell('Date', null, h.day === state.today ? 'Aujourd\'hui' : s.dateFr(h.day)));
			tr.appendChild(cell('Carnet', 'mono', pad6(h.booklet)));
			tr.appendChild(cell('Campagne', null, c ? campaignName(c) : 'n° ' + h.campaign_id));
			list.appendChild(tr);
		});
	}

	function stockError(text) {
		var box = $('d-stock-error');
		box.textContent = text || '';
		box.hidden = !text;
	}

	function refresh() {
		var s = S();
		return s.api('GET', '/v1/distributors/me/stock').then(function (r) {
			if (r.status !== 200 || !r.body) {
				if (r.status !== 401)
					stockError('Le stock n\'a pas pu être chargé. ' + s.failureSentence(r));
				return;
			}
			stockError('');
			state.stock = r.body.campaigns || [];
			if (state.today !== r.body.today) {
				state.today = r.body.today;
				$('d-day').value = state.today;
				$('d-day').max = state.today;
			}
			renderStock();
			return s.api('GET', '/v1/distributors/me/handouts').then(function (m) {
				if (m.status === 200 && m.body)
					renderMonth(m.body);
				else if (m.status !== 401)
					stockError('Les remises du mois n\'ont pas pu être chargées. ' + s.failureSentence(m));
			});
		}, function () {
			stockError('Le stock n\'a pas pu être chargé. ' + s.UNREACHABLE);
		});
	}

	/* ---------- Entering and leaving ---------- */

	function enter(me) {
		state.me = me;
		$('distributor-app').hidden = false;
		$('place').hidden = false;
		$('place-name').textContent = me.name;
		$('place-label').textContent = 'Distribution des carnets';
		$('place-label').className = 'place-label';
		document.title = 'Mes carnets — ' + me.name + ' — Pass numérique';
		answer('idle', 'Prêt : tapez un numéro de carnet ou scannez un pass.', []);
		readStatus('', false);
		$('d-return-status').textContent = '';
		refresh().then(function () {
			$('d-read').focus();
		});
	}

	function leave() {
		if (state.camera)
			state.camera.stop();
		state.me = null;
		state.stock = [];
		state.today = null;
		$('distributor-app').hidden = true;
		$('d-stock').textContent = '';
		$('d-month').textContent = '';
		$('d-alerts').textContent = '';
	}

	function init() {
		$('d-handout-form').addEventListener('submit', function (event) {
			event.preventDefault();
			handOut($('d-read').value);
		});
		$('d-return-form').addEventListener('submit', function (event) {
			event.preventDefault();
			giveBack();
		});
		$('d-refresh').addEventListener('click', refresh);
		state.camera = window.PassnumCamera.attach({
			start: $('d-camera-start'), stop: $('d-camera-stop'), box: $('d-camera-box'),
			video: $('d-camera-video'), error: $('d-camera-error'), unavailable: $('d-camera-unavailable'),
			onRead: function (text) {
				$('d-read').value = '';
				handOut(text);
			}
		});
	}

	window.PassnumDistributor = { enter: enter, leave: leave };
	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
