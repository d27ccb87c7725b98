/**
 * @module
 * Building DOM nodes without HTML strings: text always goes in through `textContent` (via text nodes), so
 * user text (notes, emails, server messages) can never become markup. There is no innerHTML in the page.
 *
 * @example
 * ```ts
 * el("li", { class: "laugh" }, el("span", {}, note), button("Delete", onDelete));
 * ```
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function button(label: string, onClick: () => void, attributes: Attributes = {}): HTMLButtonElement {
  const node = el("button", { type: "button", ...attributes }, label);
  node.addEventListener("click", onClick);
  return node;
}

export type StatusKind = "info" | "ok" | "error";

/** Writes a status line; errors look like errors (class `error`, announced as an alert). */
export function setStatus(node: HTMLElement, kind: StatusKind, text: string): void {
  node.textContent = text;
  node.classList.toggle("error", kind === "error");
  node.classList.toggle("ok", kind === "ok");
  node.setAttribute("role", kind === "error" ? "alert" : "status");
}
