// The layer and head pickers: a row of buttons (role radio) per picker. Click a button, or focus
// the picker and use the arrow keys; anywhere on the page (outside text fields) j/k or ↓/↑ step
// the layer and l/h or →/← the head.

import { el } from './dom.js';

export class Picker {
  // container: the role=radiogroup element; onPick(value)
  constructor(container, name, onPick) {
    this.container = container;
    this.name = name;
    this.onPick = onPick;
    this.count = 0;
    this.value = 0;
    container.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-value]');
      if (button) this.onPick(Number(button.dataset.value));
    });
    container.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (step === undefined) {
        if (event.key === 'Home') this.pick(0);
        else if (event.key === 'End') this.pick(this.count - 1);
        else return;
      } else {
        this.step(step);
      }
      event.preventDefault();
      event.stopPropagation();
    });
  }

  // Rebuilds the buttons for `count` values when it changed.
  setCount(count) {
    if (count === this.count) return;
    this.count = count;
    const buttons = [];
    for (let i = 0; i < count; ++i) {
      buttons.push(el('button', {
        type: 'button', role: 'radio', 'data-value': i, tabindex: '-1',
        title: `${this.name} ${i}`, 'aria-label': `${this.name} ${i}`,
      }, String(i)));
    }
    this.container.replaceChildren(...buttons);
    this.show(Math.min(this.value, Math.max(0, count - 1)));
  }

  // Marks `value` as chosen (no callback).
  show(value) {
    this.value = value;
    this.container.setAttribute('data-value', String(value));
    for (const button of this.container.children) {
      button.setAttribute('aria-checked', Number(button.dataset.value) === value ? 'true' : 'false');
    }
  }

  pick(value) {
    if (this.count === 0) return;
    const clamped = Math.max(0, Math.min(this.count - 1, value));
    if (clamped !== this.value) this.onPick(clamped);
  }

  step(delta) {
    this.pick(this.value + delta);
  }
}
