/* The funder's page: opened by the sign-in (app.js) for a funder's token.
 * Its report (GET /v1/funders/{id}/report?period=..., lib/report_funder.c)
 * for a month, a quarter or a year: every table the JSON has, shown as the
 * server sent it (small cells come hidden as « < 11 »: never recomputed
 * here), bar charts drawn as inline SVG by this script, the glossary, and
 * the server's CSV (and its PDF, once the server has one). Exposes
 * window.PassnumFunder = { enter, leave }. */
(function () {
	'use strict';

	var SVG = 'http://www.w3.org/2000/svg';
	var MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
	    'septembre', 'octobre', 'novembre', 'décembre'];
	/* Column names of the report's JSON, as the server's CSV names them. */
	var LABELS = {
		campaign: 'Campagne', month: 'Mois', department: 'Département du lieu', place_type: 'Type de lieu',
		service: 'Prestation', distributor: 'Distributeur',
		epci: 'EPCI du lieu (SIREN)', epci_name: 'Nom de l\'EPCI', population: 'Population',
		people_per_1000: 'Personnes touchées pour 1\u00a0000 habitants',
		booklets_issued: 'Carnets émis', booklets_delivered: 'Carnets livrés aux distributeurs',
		booklets_handed_out: 'Carnets remis', passes_redeemed: 'Pass utilisés', redeemed_cents: 'Valeur utilisée',
		passes_issued: 'Pass émis', passes_revoked: 'Pass révoqués', passes_expired: 'Pass expirés',
		passes_outstanding: 'Pass en circulation',
		handout_month: 'Mois de remise', never_started_pct: 'Jamais commencés (%)',
		started_30d_pct: 'Commencés sous 30 jours (%)', started_90d_pct: 'Commencés sous 90 jours (%)',
		passes_per_started: 'Pass utilisés par carnet commencé',
		median_days_first_use: 'Jours jusqu\u2019à la 1re utilisation (médiane)',
		median_days_last_use: 'Jours jusqu\u2019à la dernière utilisation (médiane)',
		recorded_late: 'Remises saisies en retard', recorded_in_bulk: 'Remises saisies en lot',
		used_before_handout: 'Utilisés avant leur date de remise'
	};
	var CHARTED = { passes_redeemed: 'Pass utilisés', booklets_handed_out: 'Carnets remis' };

	var state = { me: null, report: null, period: null, seq: 0 };

	function $(id) {
		return document.getElementById(id);
	}

	function S() {
		return window.PassnumShell;
	}

	/* ---------- Periods ---------- */

	function periodLabel(kind, value, today) {
		var y = Number(value.slice(0, 4)), current;
		if (kind === 'month') {
			current = today.slice(0, 7) === value;
			return S().monthFr(value + '-01') + (current ? ' (en cours)' : '');
		}
		if (kind === 'quarter') {
			var q = Number(value.slice(6)), first = MONTHS[(q - 1) * 3], last = MONTHS[(q - 1) * 3 + 2];
			current = Number(today.slice(0, 4)) === y && Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1 === q;
			return (q === 1 ? '1er' : q + 'e') + ' trimestre ' + y + ' (' + first + ' à ' + last + ')' +
			    (current ? ', en cours' : '');
		}
		return 'Année ' + y + (today.slice(0, 4) === value ? ' (en cours)' : '');
	}

	/* The periods offered: this one first, then back in time. */
	function periods(kind, today) {
		var y = Number(today.slice(0, 4)), m = Number(today.slice(5, 7)), out = [], i;
		if (kind === 'month') {
			for (i = 0; i < 24; i++) {
				var mm = m - i, yy = y;
				while (mm <= 0) {
					mm += 12;
					yy--;
				}
				out.push(yy + '-' + String(mm).padStart(2, '0'));
			}
		} else if (kind === 'quarter') {
			var q = Math.floor((m - 1) / 3) + 1;
			for (i = 0; i < 8; i++) {
				out.push(y + '-Q' + q);
				if (--q === 0) {
					q = 4;
					y--;
				}
			}
		} else {
			for (i = 0; i < 5; i++)
				out.push(String(y - i));
		}
		return out;
	}

	function fillPeriods() {
		var kind = $('f-kind').value, select = $('f-period'), today = state.me.today;
		select.textContent = '';
		periods(kind, today).forEach(function (p) {
			var option = document.createElement('option');
			option.value = p;
			option.textContent = periodLabel(kind, p, today);
			select.appendChild(option);
		});
	}

	/* ---------- Figures ---------- */

	function isHidden(v) {
		return typeof v === 'string' && /^<\s*\d+$/.test(v);
	}

	function number(n) {
		var parts = String(n).split('.');
		return parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f') + (parts[1] ? ',' + parts[1] : '');
	}

	/* A cell as shown: hidden cells as the server wrote them. */
	function shown(key, v) {
		if (v === null || v === undefined)
			return '—';
		if (isHidden(v))
			return v;
		if (typeof v === 'number')
			return /_cents$/.test(key) ? S().money(v) : number(v);
		if (key === 'month' && /^\d{4}-\d{2}$/.test(v))
			return S().monthFr(v + '-01');
		return String(v);
	}

	function renderTable(t, index) {
		var s = S(), rows = t.rows || [], section = s.el('section', 'card history');
		var id = 'f-table-' + index, columns = rows.length ? Object.keys(rows[0]) : [];
		section.setAttribute('aria-labelledby', id);
		section.appendChild(s.el('h3', null, t.title)).id = id;
		var wrap = s.el('div', 'table-wrap'), table = s.el('table', 'history-table figures');
		wrap.tabIndex = 0; /* a wide table scrolls: reachable from the keyboard */
		table.setAttribute('data-key', t.key);
		table.setAttribute('aria-labelledby', id);
		var head = s.el('tr');
		columns.forEach(function (c, i) {
			var th = s.el('th', i > 0 ? 'num' : null, LABELS[c] || c);
			th.scope = 'col';
			head.appendChild(th);
		});
		table.appendChild(s.el('thead')).appendChild(head);
		var body = s.el('tbody');
		rows.forEach(function (r, ri) {
			var tr = s.el('tr', t.total_row && ri === rows.length - 1 ? 'total-row' : null);
			columns.forEach(function (c, i) {
				var cell = s.el(i === 0 ? 'th' : 'td', i > 0 ? 'num' : null, shown(c, r[c]));
				if (i === 0)
					cell.scope = 'row';
				cell.setAttribute('data-label', LABELS[c] || c);
				cell.setAttribute('data-column', c);
				if (isHidden(r[c]))
					cell.classList.add('hidden-cell');
				tr.appendChild(cell);
			});
			body.appendChild(tr);
		});
		table.appendChild(body);
		wrap.appendChild(table);
		section.appendChild(wrap);
		return section;
	}

	function svg(tag, attrs, text) {
		var node = document.createElementNS(SVG, tag);
		Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
		if (text !== undefined)
			node.textContent = text;
		return node;
	}

	/* A horizontal bar chart of column of table t (its total row left out):
	 * a hidden cell is drawn as an empty dashed bar marked « < 11 ». */
	function chart(t, column, index) {
		var s = S(), rows = (t.rows || []).slice(0, t.total_row ? -1 : undefined);
		var label = Object.keys((t.rows || [{}])[0])[0];
		if (rows.length === 0 || !rows.some(function (r) { return column in r; }))
			return null;
		var max = 0;
		rows.forEach(function (r) {
			if (typeof r[column] === 'number' && r[column] > max)
				max = r[column];
		});
		var barH = 26, gap = 10, left = 190, width = 640, right = 110, top = 8;
		var height = top + rows.length * (barH + gap);
		var title = CHARTED[column] + ' — ' + t.title.charAt(0).toLowerCase() + t.title.slice(1);
		var figure = s.el('figure', 'chart');
		var id = 'f-chart-' + index;
		var root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-labelledby': id,
		    'class': 'chart-svg', focusable: 'false' });
		root.setAttribute('data-key', t.key);
		root.setAttribute('data-column', column);
		root.appendChild(svg('title', { id: id }, title + ' : ' + rows.map(function (r) {
			return shown(label, r[label]) + ' ' + shown(column, r[column]);
		}).join(', ')));
		rows.forEach(function (r, i) {
			var y = top + i * (barH + gap), v = r[column], g = svg('g', { 'class': 'chart-row' });
			g.appendChild(svg('text', { x: left - 8, y: y + barH * 0.7, 'class': 'chart-label', 'text-anchor': 'end' },
			    shown(label, r[label])));
			if (isHidden(v)) {
				g.appendChild(svg('rect', { x: left, y: y, width: 60, height: barH, 'class': 'chart-bar-hidden' }));
				g.appendChild(svg('text', { x: left + 68, y: y + barH * 0.7, 'class': 'chart-value' }, v + ' (masqué)'));
			} else {
				var w = max > 0 && typeof v === 'number' ? Math.max(v > 0 ? 2 : 0, (width - left - right) * v / max) : 0;
				g.appendChild(svg('rect', { x: left, y: y, width: w.toFixed(1), height: barH, 'class': 'chart-bar' }));
				g.appendChild(svg('text', { x: left + w + 8, y: y + barH * 0.7, 'class': 'chart-value' }, shown(column, v)));
			}
			root.appendChild(g);
		});
		figure.appendChild(root);
		figure.appendChild(s.el('figcaption', null, title + '. Les chiffres sont aussi dans le tableau plus bas.'));
		return figure;
	}

	function render(report) {
		var s = S(), box = $('f-report');
		box.textContent = '';
		var head = s.el('section', 'card');
		head.setAttribute('aria-labelledby', 'f-report-title');
		head.appendChild(s.el('h2', null, 'Chiffres du ' + s.dateFr(report.first_day) + ' au ' + s.dateFr(report.last_day)))
		    .id = 'f-report-title';
		if (report.provisional)
			head.appendChild(s.el('p', 'notice notice-warning', 'Provisoire : la période n\'est pas terminée, ' +
			    'les chiffres changeront.'));
		(report.notes || []).forEach(function (n) { head.appendChild(s.el('p', 'hint', n)); });
		box.appendChild(head);

		var charts = s.el('section', 'card');
		charts.setAttribute('aria-labelledby', 'f-charts-title');
		charts.appendChild(s.el('h2', null, 'En images')).id = 'f-charts-title';
		var n = 0;
		(report.tables || []).forEach(function (t) {
			if (!/_all$/.test(t.key))
				return;
			Object.keys(CHARTED).forEach(function (column) {
				var f = chart(t, column, n);
				if (f) {
					charts.appendChild(f);
					n++;
				}
			});
		});
		if (n > 0)
			box.appendChild(charts);

		var tables = s.el('div', 'figures-list');
		tables.appendChild(s.el('h2', null, 'Les tableaux')).id = 'f-tables-title';
		(report.tables || []).forEach(function (t, i) { tables.appendChild(renderTable(t, i)); });
		box.appendChild(tables);

		if (report.glossary && report.glossary.length) {
			var g = s.el('section', 'card');
			g.setAttribute('aria-labelledby', 'f-glossary-title');
			g.appendChild(s.el('h2', null, 'Les mots du rapport')).id = 'f-glossary-title';
			var dl = s.el('dl', 'glossary');
			report.glossary.forEach(function (e) {
				dl.appendChild(s.el('dt', null, e.term));
				dl.appendChild(s.el('dd', null, e.definition));
			});
			g.appendChild(dl);
			box.appendChild(g);
		}
	}

	function status(text, bad) {
		var p = $('f-status');
		p.textContent = text;
		p.className = 'basket-status' + (bad ? ' code-status-error' : '');
	}

	function reportPath(period, format) {
		return '/v1/funders/' + encodeURIComponent(state.me.id) + '/report?period=' + encodeURIComponent(period) +
		    (format ? '&format=' + format : '');
	}

	function load() {
		var period = $('f-period').value, seq = ++state.seq, s = S();
		state.period = period;
		status('Chargement du rapport…', false);
		s.api('GET', reportPath(period)).then(function (r) {
			if (seq !== state.seq || r.status === 401)
				return;
			if (r.status !== 200 || !r.body) {
				status('Le rapport n\'a pas pu être chargé. ' + s.failureSentence(r), true);
				return;
			}
			state.report = r.body;
			render(r.body);
			status('Rapport affiché : ' + $('f-period').selectedOptions[0].textContent + '.', false);
		}, function () {
			status('Le rapport n\'a pas pu être chargé. ' + s.UNREACHABLE, true);
		});
	}

	/* Fetches the report in format with the token and saves it as a file
	 * (app.js's saveFile). */
	function download(format, type) {
		var period = state.period || $('f-period').value, button = $(format === 'csv' ? 'f-csv' : 'f-pdf');
		button.disabled = true;
		var name = 'rapport-financeur-' + period + '.' + format;
		S().saveFile(reportPath(period, format), name, type).then(function () {
			button.disabled = false;
			status('Le fichier ' + name + ' a été téléchargé.', false);
		}).catch(function () {
			button.disabled = false;
			status('Le fichier n\'a pas pu être téléchargé. Réessayez dans un instant.', true);
		});
	}

	function enter(me) {
		state.me = me;
		$('funder-app').hidden = false;
		$('place').hidden = false;
		$('place-name').textContent = me.public_name;
		$('place-label').textContent = 'Financeur';
		$('place-label').className = 'place-label';
		$('f-title').textContent = 'Rapport au financeur — ' + me.public_name;
		document.title = 'Rapport — ' + me.public_name + ' — Pass numérique';
		fillPeriods();
		load();
		/* The PDF button only when the server makes PDF reports. */
		S().api('GET', reportPath($('f-period').value, 'pdf')).then(function (r) {
			$('f-pdf').hidden = r.status !== 200;
		}, function () {});
		$('f-kind').focus();
	}

	function leave() {
		state.me = null;
		state.report = null;
		state.seq++;
		$('funder-app').hidden = true;
		$('f-report').textContent = '';
		status('', false);
	}

	function init() {
		$('f-kind').addEventListener('change', fillPeriods);
		$('f-period-form').addEventListener('submit', function (event) {
			event.preventDefault();
			load();
		});
		$('f-csv').addEventListener('click', function () { download('csv', 'text/csv;charset=utf-8'); });
		$('f-pdf').addEventListener('click', function () { download('pdf', 'application/pdf'); });
	}

	window.PassnumFunder = { enter: enter, leave: leave };
	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
