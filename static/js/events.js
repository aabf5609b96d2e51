// Small shared helpers: modules talk through DOM events on `document`, configuration comes from json_script.

export function emit(name, detail = {}) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

export function on(name, handler) {
  document.addEventListener(name, (event) => handler(event.detail, event));
}

export function readConfig(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector('input[name=csrfmiddlewaretoken]');
  return input ? input.value : '';
}

export function debounce(fn, wait = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

// A translated sentence with its %(name)s placeholders filled in (the server's gettext format).
export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? '');
}

export function formatNumber(value) {
  return new Intl.NumberFormat(document.documentElement.lang || 'it').format(value);
}
