// A page's heading and title: every route names itself in the tab title, and after a
// navigation or an action that removes the control in focus, focus lands on the heading
// instead of falling to the body.
import { useEffect, useRef, type ReactNode } from 'react';

const APP = 'Stockroom';

/** Sets the document title to "<title> · Stockroom" while the page is shown. */
export function useDocumentTitle(title: string | undefined) {
  useEffect(() => {
    if (title) document.title = `${title} · ${APP}`;
  }, [title]);
}

let focusOnMount = false;

/** The next page heading to mount takes focus (set on client-side navigation). */
export function focusNextHeading() {
  focusOnMount = true;
}

/** Moves focus to the current page's heading, or to main if the page has none yet. */
export function focusPageHeading() {
  const target = document.querySelector<HTMLElement>('main h1') ?? document.querySelector<HTMLElement>('main');
  target?.focus();
}

/**
 * When `value` changes (an order's status, a product's archived flag) the control that did it
 * may be gone with the old state; focus then goes to the heading, which shows the new state,
 * instead of falling to the body.
 */
export function useFocusHeadingOnChange(value: unknown) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const active = document.activeElement;
    if (!active || active === document.body) focusPageHeading();
  }, [value]);
}

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  useDocumentTitle(title);
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnMount) {
      focusOnMount = false;
      ref.current?.focus();
    }
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children ?? title}
    </h1>
  );
}
