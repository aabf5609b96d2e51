// Page furniture around the map: the Map/List tabs, the phone's filter panel, the "copy link" button.

// ARIA tabs: arrow keys move between tabs, only the selected one is in the tab order.
export function initTabs(tablist, { onShow } = {}) {
  const tabs = [...tablist.querySelectorAll('[role=tab]')];
  const select = (tab) => {
    tabs.forEach((other) => {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      other.classList.toggle('active', selected);
      document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
    });
    if (onShow) onShow(tab.getAttribute('aria-controls'));
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = tabs[(index + step + tabs.length) % tabs.length];
      next.focus();
      select(next);
    });
  });
  select(tabs.find((tab) => tab.getAttribute('aria-selected') === 'true') || tabs[0]);
}

export function initPanelToggle(button, panel, onChange) {
  if (!button || !panel) return;
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    panel.classList.toggle('is-open', open);
    if (open) panel.querySelector('input, select, button, a')?.focus();
    if (onChange) onChange(open);
  });
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && panel.classList.contains('is-open')) {
      button.click();
      button.focus();
    }
  });
}

export function initShare(button) {
  if (!button) return;
  const label = button.querySelector('span');
  const original = label.textContent;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      label.textContent = button.dataset.copied;
    } catch (error) {
      window.prompt(original, window.location.href);
    }
    setTimeout(() => { label.textContent = original; }, 2500);
  });
}
