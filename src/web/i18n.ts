/**
 * The dashboard in English or Russian. Texts are written in English in the code and looked up here by
 * that English (gettext's way: a text with no translation shows in English); `{name}` marks a value.
 * The language: `?lang=en|ru`, else the one chosen with the header's switch (remembered), else the
 * browser's first language that is one of the two, else English. Advice reasons come from the server and
 * stay in English.
 */

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

const RU: ReadonlyMap<string, string> = new Map([
  // the page
  ['ccpulse · live', 'ccpulse · онлайн'],
  ['Skip to queues', 'К очередям'],
  ['Connecting…', 'Подключение…'],
  ['Live', 'Онлайн'],
  ['Reconnecting…', 'Переподключение…'],
  ['No events for {d}', 'Нет событий {d}'],
  ['Center totals', 'Итоги центра'],
  ['SL 15 min', 'SL 15 мин'],
  ['SL 60 min', 'SL 60 мин'],
  ['Waiting', 'Ожидают'],
  ['Longest wait', 'Дольше всех ждёт'],
  ['In handling', 'В обработке'],
  ['Operators', 'Операторы'],
  ['ready', 'готовы'],
  ['busy', 'заняты'],
  ['break', 'перерыв'],
  ['Ready', 'Готовы'],
  ['Busy', 'Заняты'],
  ['Break', 'Перерыв'],
  ['On break', 'На перерыве'],
  ['Helping', 'Помогают'],
  ['Abandon', 'Потери'],
  ['Repairs', 'Исправления'],
  ['Current time', 'Текущее время'],
  ['15 min', '15 мин'],
  ['60 min', '60 мин'],
  ['Show last 60 minutes', 'Показать последние 60 минут'],
  ['Show the last 15 or 60 minutes (key: W)', 'Последние 15 или 60 минут (клавиша W)'],
  ['Filter: queue, channel (/)', 'Фильтр: очередь, канал (/)'],
  ['Show only queues and channels containing these words', 'Показывать только очереди и каналы с этими словами'],
  ['A–Z', 'А–Я'],
  ['Worst first', 'Сначала худшие'],
  ['Order the tiles by name, or worst first (key: S)', 'Упорядочить по имени или сначала худшие (клавиша S)'],
  ['Compact', 'Компактно'],
  ['Compact view', 'Компактный вид'],
  ['Compact tiles: a hundred queue × channel pairs on one screen (key: C)', 'Компактные плитки: сто пар очередь × канал на одном экране (клавиша C)'],
  ['Data quality: events the stream repaired because they came lost or out of order (not a service problem)', 'Качество данных: события, исправленные потоком, потому что пришли потерянными или не по порядку (это не проблема обслуживания)'],
  ['Advice & alerts', 'Советы и тревоги'],
  ['No advice right now', 'Сейчас советов нет'],
  ['Queues', 'Очереди'],
  ['No queues yet. Tiles appear as soon as the first events arrive.', 'Очередей пока нет. Плитки появятся с первыми событиями.'],
  ['Language', 'Язык'],
  // tiles
  ['Offered', 'Поступило'],
  ['Answered', 'Отвечено'],
  ['AWT', 'ССО'],
  ['AHT', 'ССОб'],
  ['SL', 'SL'],
  ['Wait p50', 'Ожидание p50'],
  ['Wait p90', 'Ожидание p90'],
  ['Wait p95', 'Ожидание p95'],
  ['Max wait', 'Макс. ожидание'],
  ['Last {w}', 'Последние {w}'],
  [' waiting', ' ждут'],
  ['no {channel} events for {d}', 'нет событий канала {channel} {d}'],
  ['Appeals that came into the queue in this window', 'Обращения, поступившие в очередь за это окно'],
  ['Appeals answered in this window, including some that came before it: it can be more than Offered', 'Обращения, принятые за это окно, включая поступившие раньше: может быть больше, чем «Поступило»'],
  ['Operators based on other queues handling appeals here now (counted where they are based)', 'Операторы других очередей, обрабатывающие обращения здесь сейчас (считаются в своей очереди)'],
  ['target {pct} % within {d}', 'цель {pct} % за {d}'],
  ['Open appeals (waiting or in handling) in {where}, last hour', 'Открытые обращения (ждут или в обработке) в {where}, последний час'],
  ['{pct} SL · {n} waiting · ccpulse', '{pct} SL · ждут {n} · ccpulse'],
  ['No repairs of lost events', 'Исправлений не было'],
  // levels, channels, advice
  ['on target', 'в норме'],
  ['at risk', 'под угрозой'],
  ['below target', 'ниже цели'],
  ['no data', 'нет данных'],
  ['Voice', 'Голос'],
  ['Web chat', 'Веб-чат'],
  ['Cabinet', 'Личный кабинет'],
  ['Email', 'Почта'],
  ['VK', 'ВК'],
  ['Critical', 'Критично'],
  ['Warning', 'Внимание'],
  ['Info', 'Инфо'],
  ['Add operators', 'Добавить операторов'],
  ['Release operators', 'Отпустить операторов'],
  ['SL under target', 'SL ниже цели'],
  ['Long wait', 'Долгое ожидание'],
  ['High abandon', 'Много потерь'],
  ['Off forecast', 'Не по прогнозу'],
  ['Channel silent', 'Канал молчит'],
  ['Stuck in handling', 'Застряли в обработке'],
  ['Move operators', 'Перевести операторов'],
  ['Handle time', 'Время обработки'],
  ['Slow the campaign', 'Замедлить кампанию'],
  ['Speed up the campaign', 'Ускорить кампанию'],
  ['Acknowledge', 'Принять'],
  ['Acknowledging…', 'Принимаем…'],
  ['What if?', 'Что если?'],
  ['Open {d}', 'Открыто {d}'],
  ['Acknowledged by {who}', 'Принял {who}'],
  ['someone', 'кто-то'],
  ['Add {n} now', 'Добавить {n} сейчас'],
  ['Release {n} now', 'Отпустить {n} сейчас'],
  // durations
  ['{s} s', '{s} с'],
  ['{m} m {s} s', '{m} мин {s} с'],
  ['{h} h {m} m', '{h} ч {m} мин'],
  // trends
  ['Last 4 hours', 'Последние 4 часа'],
  ['Show', 'Показать'],
  ['Whole center', 'Весь центр'],
  ['Hide charts', 'Скрыть графики'],
  ['Show charts', 'Показать графики'],
  ['Show or hide the charts (key: T)', 'Показать или скрыть графики (клавиша T)'],
  ['Arrivals per 5 min, against the forecast (dashed; the hour ahead too)', 'Поступления за 5 мин и прогноз (пунктир, и на час вперёд)'],
  ['SL % per 5 min, against the target', 'SL % за 5 мин и цель'],
  ['Open appeals (waiting or in handling)', 'Открытые обращения (ждут или в обработке)'],
  ['Abandoned per 5 min', 'Потеряно за 5 мин'],
  ['{n} arrived in the last {h} hours', 'Поступило {n} за последние {h} ч'],
  ['; {n} expected', '; ожидалось {n}'],
  ['SL {pct} % in the last 5 minutes judged', 'SL {pct} % в последние оценённые 5 минут'],
  [', target {pct} %', ', цель {pct} %'],
  ['No appeal judged yet', 'Оценённых обращений пока нет'],
  ['{n} open now', 'Открыто сейчас: {n}'],
  ['{n} abandoned in the last {h} hours', 'Потеряно {n} за последние {h} ч'],
  ['Trends unavailable: {why}', 'Графики недоступны: {why}'],
  // operators
  ['Hide table', 'Скрыть таблицу'],
  ['Show table', 'Показать таблицу'],
  ['Show or hide the operators (key: O)', 'Показать или скрыть операторов (клавиша O)'],
  ['Operators: status, where based, appeals in handling, handled today, handle time and occupancy today', 'Операторы: статус, очередь, обращения в обработке, обработано сегодня, время обработки и занятость сегодня'],
  ['Operator', 'Оператор'],
  ['Status', 'Статус'],
  ['For', 'Сколько'],
  ['Based on', 'Очередь'],
  ['Handling now', 'В обработке'],
  ['Handled today', 'Обработано сегодня'],
  ['AHT today', 'ССОб сегодня'],
  ['Occupancy today', 'Занятость сегодня'],
  ['offline', 'не в сети'],
  ['acw', 'поствызов'],
  ['Operators unavailable: {why}', 'Операторы недоступны: {why}'],
  // campaigns
  ['Outbound campaigns', 'Исходящие кампании'],
  ['{n} of {m} answered', 'Отвечено {n} из {m}'],
  ['{n} answered', 'Отвечено {n}'],
  ['no calls in 15 min', 'нет звонков за 15 мин'],
  ['{pct} % dropped (cap {cap} %)', 'сброшено {pct} % (предел {cap} %)'],
  ['no answer rate: no finish forecast', 'нет доли ответов: без прогноза окончания'],
  ['done', 'завершена'],
  ['nothing answered lately (deadline {d})', 'давно нет ответов (срок {d})'],
  ['finishes ~{eta} (deadline {d})', 'закончится ~{eta} (срок {d})'],
  // settings
  ['Settings', 'Настройки'],
  ['API key', 'API-ключ'],
  ['Sign in', 'Войти'],
  ['Sign out', 'Выйти'],
  ['This key is not valid (wrong, or revoked).', 'Этот ключ недействителен (неверный или отозван).'],
  ['Targets and alarms per queue and channel (key: ,)', 'Цели и тревоги по очередям и каналам (клавиша ,)'],
  ['Saved for this center and in effect at once, without a restart. A blank field keeps the value shown in grey (from the config file, or from the row it falls back on).', 'Сохраняются для этого центра и действуют сразу, без перезапуска. Пустое поле оставляет значение, показанное серым (из файла конфигурации или из строки, на которую оно опирается).'],
  ['Targets and alarms: the default, each channel, each queue', 'Цели и тревоги: по умолчанию, по каналам, по очередям'],
  ['Close', 'Закрыть'],
  ['Save', 'Сохранить'],
  ['SL target', 'Цель SL'],
  ['SL threshold', 'Порог SL'],
  ['Short abandon', 'Короткая потеря'],
  ['Long-wait alarm', 'Тревога долгого ожидания'],
  ['Abandon alarm', 'Тревога потерь'],
  ['Chats at once', 'Чатов одновременно'],
  ['as default', 'как по умолчанию'],
  ['as channel', 'как у канала'],
  ['measured', 'по замерам'],
  ['All queues (default)', 'Все очереди (по умолчанию)'],
  ["A queue's own SL threshold applies to all its channels", 'Собственный порог SL очереди действует во всех её каналах'],
  ['Loading…', 'Загрузка…'],
  ['Saving…', 'Сохранение…'],
  ['Last saved {at}', 'Последнее сохранение {at}'],
  ["Nothing saved yet: the config file's settings are in effect.", 'Пока ничего не сохранено: действуют настройки из файла конфигурации.'],
  ['Could not read the settings: {why}', 'Не удалось прочитать настройки: {why}'],
  ['Someone saved these settings since you opened them: shown again as they are now; make your change again.', 'Кто-то сохранил настройки, пока вы их редактировали: показаны текущие; внесите изменение снова.'],
  ['Not saved: {why}', 'Не сохранено: {why}'],
  ['Saved: in effect now.', 'Сохранено: уже действует.'],
  ['the server did not answer', 'сервер не ответил'],
  ['Teams', 'Команды'],
  ["Reports group operators by these teams. One operator id per line, as the events name them; an operator is in one team at most. Clear a team's name to remove it.", 'Отчёты группируют операторов по этим командам. Один идентификатор оператора в строке, как в событиях; оператор состоит не более чем в одной команде. Сотрите название команды, чтобы удалить её.'],
  ['Add a team', 'Добавить команду'],
  ['Team name', 'Название команды'],
  ['Operators, one per line', 'Операторы, по одному в строке'],
  ['Team {name}, line {line}: {why}', 'Команда {name}, строка {line}: {why}'],
  ['Team {name}: {why}', 'Команда {name}: {why}'],
  ['Team', 'Команда'],
  ['No team', 'Без команды'],
  ['Team {name}', 'Команда {name}'],
  ['Answered, with their waits', 'Принятые, с их ожиданием'],
  ['The longest waits', 'Самые долгие ожидания'],
  ['Open at the end', 'Открытые на конец периода'],
  ['Handled, with their handling times', 'Обработанные, с временем обработки'],
  ['The teams of the settings', 'Команды из настроек'],
  // notifications
  ['Notifications', 'Уведомления'],
  ['Advice and alerts sent by webhook, Telegram or email. Each change here is saved at once.', 'Советы и тревоги по вебхуку, в Telegram или по почте. Каждое изменение здесь сохраняется сразу.'],
  ['No destinations yet.', 'Получателей пока нет.'],
  ['Add a destination', 'Добавить получателя'],
  ['Kind', 'Тип'],
  ['Name', 'Название'],
  ['URL', 'URL'],
  ['Secret (16+ characters)', 'Секрет (от 16 символов)'],
  ['Chat id', 'ID чата'],
  ['Bot token', 'Токен бота'],
  ['Addresses', 'Адреса'],
  ['Severities', 'Важность'],
  ['critical', 'критично'],
  ['warning', 'внимание'],
  ['info', 'информация'],
  ['Queues (empty: all)', 'Очереди (пусто: все)'],
  ['Quiet from', 'Тишина с'],
  ['Quiet to', 'Тишина до'],
  ['Escalate after, min', 'Эскалация через, мин'],
  ['Add destination', 'Добавить'],
  ['Latest messages', 'Последние сообщения'],
  ['Send a test', 'Отправить проверку'],
  ['Remove', 'Удалить'],
  ['Send again', 'Отправить снова'],
  ['sent', 'отправлено'],
  ['failed', 'не доставлено'],
  ['quiet {from}–{to}', 'тишина {from}–{to}'],
  ['escalate after {n} min', 'эскалация через {n} мин'],
  ['digest every {n} min', 'сводка каждые {n} мин'],
  ['Digest every, min', 'Сводка каждые, мин'],
  ['Could not read the notifications: {why}', 'Не удалось прочитать уведомления: {why}'],
  ['Not added: {why}', 'Не добавлено: {why}'],
  ['Added: in effect now. Send a test to see it arrive.', 'Добавлено и уже действует. Отправьте проверку, чтобы убедиться, что доходит.'],
  ['Sending a test to {name}…', 'Отправка проверки: {name}…'],
  ['Test sent to {name}.', 'Проверка отправлена: {name}.'],
  ['The test to {name} failed: {why}', 'Проверка не дошла до {name}: {why}'],
  ['Removed {name}.', 'Удалено: {name}.'],
  ['Not removed: {why}', 'Не удалено: {why}'],
  ['Sending again.', 'Отправляем снова.'],
  ['Not sent again: {why}', 'Не отправлено снова: {why}'],
  // reports
  ['ccpulse · reports', 'ccpulse · отчёты'],
  ['Reports', 'Отчёты'],
  ['Reports: any range, grouped, exported; the appeals behind each number', 'Отчёты: любой период, с группировкой и выгрузкой; обращения за каждым числом'],
  ['Skip to the report', 'К отчёту'],
  ['← Live view', '← Онлайн'],
  ['Report', 'Отчёт'],
  ['Days', 'Дни'],
  ['From', 'С'],
  ['To', 'По'],
  ['Today', 'Сегодня'],
  ['Yesterday', 'Вчера'],
  ['Last 7 days', 'Последние 7 дней'],
  ['Last 30 days', 'Последние 30 дней'],
  ['Group by', 'Группировать'],
  ['Queue', 'Очередь'],
  ['Channel', 'Канал'],
  ['Interval', 'Интервал'],
  ['Whole range', 'Весь период'],
  ['Day', 'День'],
  ['Hour', 'Час'],
  ['Only', 'Только'],
  ['Export CSV', 'Выгрузить CSV'],
  ['Export XLSX', 'Выгрузить XLSX'],
  ['Exports', 'Выгрузки'],
  ['Report rows', 'Строки отчёта'],
  ['Handled', 'Обработано'],
  ['Abandoned', 'Потеряно'],
  ['SL %', 'SL %'],
  ['Abandon %', 'Потери %'],
  ['Open at end', 'Открыто на конец'],
  ['Not shown: {why}', 'Не показано: {why}'],
  ['Not exported: {why}', 'Не выгружено: {why}'],
  ['{n} rows', 'строк: {n}'],
  ['Nothing in this range', 'За этот период ничего нет'],
  ['Show the appeals behind this number', 'Показать обращения за этим числом'],
  ['Download ({kb} KB, {rows} rows)', 'Скачать ({kb} КБ, строк: {rows})'],
  ['Failed: {why}', 'Ошибка: {why}'],
  ['Export progress', 'Ход выгрузки'],
  ['queued', 'в очереди'],
  ["Days on the center's clock ({tz})", 'Дни по часам центра ({tz})'],
  ['{n} appeals shown', 'показано обращений: {n}'],
  ['No appeals', 'Обращений нет'],
  ['Could not read the appeals: {why}', 'Не удалось прочитать обращения: {why}'],
  ['More', 'Ещё'],
  ['wait', 'ожидание'],
  ['handled in', 'обработка'],
  ['Outside SL', 'Вне SL'],
  ['closed', 'закрыто'],
  ['abandoned', 'потеряно'],
  ['expired (no event for too long)', 'истекло (долго без событий)'],
  ['in handling', 'в обработке'],
  ['waiting', 'ожидает'],
  ['within SL', 'в пределах SL'],
  ['outside SL', 'вне SL'],
  ['not counted in SL', 'не входит в SL'],
]);

const DICTS: ReadonlyMap<Lang, ReadonlyMap<string, string>> = new Map([['ru', RU]]);

function detect(): Lang {
  if (typeof location === 'undefined') return 'en';
  const p = new URLSearchParams(location.search).get('lang');
  if (p === 'en' || p === 'ru') return p;
  try {
    const saved = localStorage.getItem('ccpulse.lang');
    if (saved === 'en' || saved === 'ru') return saved;
  } catch {
    /* storage may be unavailable */
  }
  for (const l of typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]) {
    const base = l.toLowerCase().slice(0, 2);
    if (base === 'ru') return 'ru';
    if (base === 'en') return 'en';
  }
  return 'en';
}

let current: Lang = detect();

export function lang(): Lang {
  return current;
}

/** Chooses the language (remembered); the page is drawn again in it by a reload. */
export function chooseLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem('ccpulse.lang', l);
  } catch {
    /* storage may be unavailable */
  }
}

/** For tests: the language without remembering it. */
export function useLang(l: Lang): void {
  current = l;
}

/** `en` in the current language, its `{name}`s replaced by `vars`' values. */
export function t(en: string, vars?: Readonly<Record<string, string | number>>): string {
  const text = DICTS.get(current)?.get(en) ?? en;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
}

/** Translates the page's static texts: text nodes and title, aria-label and placeholder attributes whose whole (trimmed) text has a translation. */
export function translatePage(root: ParentNode & Node): void {
  document.documentElement.lang = current;
  if (current === 'en') return;
  const dict = DICTS.get(current)!;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const raw = n.nodeValue ?? '';
    const key = raw.trim();
    const to = key ? dict.get(key) : undefined;
    if (to !== undefined) n.nodeValue = raw.replace(key, to);
  }
  for (const el of (root as ParentNode).querySelectorAll('[title], [aria-label], [placeholder]')) {
    for (const a of ['title', 'aria-label', 'placeholder']) {
      const v = el.getAttribute(a);
      const to = v ? dict.get(v) : undefined;
      if (to !== undefined) el.setAttribute(a, to);
    }
  }
  const title = dict.get(document.title);
  if (title) document.title = title;
}
