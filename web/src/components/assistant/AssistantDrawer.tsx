// The assistant as a drawer over any page (loaded the first time it is opened): a modal side
// sheet that keeps focus inside while open, closes on Escape or ×, and gives focus back to
// the button that opened it. Full screen on phones.
import { useEffect, useId, useRef, type KeyboardEvent } from 'react';
import { AssistantPanel } from './AssistantPanel';

const FOCUSABLE = 'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface Props {
  open: boolean;
  onClose: () => void;
}

export default function AssistantDrawer({ open, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const titleId = useId();

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal?.();
      requestAnimationFrame(() => input.current?.focus());
    }
    if (!open && d.open) d.close?.();
  }, [open]);

  // Tab and Shift+Tab wrap inside the drawer.
  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (!items.length) return;
    const [first, last] = [items[0], items[items.length - 1]];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog ref={ref} className="drawer" aria-labelledby={titleId} aria-modal="true" onClose={onClose} onKeyDown={onKeyDown}>
      <header className="drawer-head">
        <h2 id={titleId}>
          <span className="ai-mark" aria-hidden="true">✦</span> Assistant
        </h2>
        <button type="button" className="icon" aria-label="Close the assistant" onClick={() => ref.current?.close()}>
          ×
        </button>
      </header>
      <p className="muted small drawer-note">AI answers from the live data you may see. It proposes; you decide.</p>
      <AssistantPanel inputRef={input} onNavigate={() => ref.current?.close()} />
    </dialog>
  );
}
