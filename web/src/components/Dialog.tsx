// Modal dialogs: named by their heading, focus kept inside while open, Escape closes, and
// focus goes back to what opened them (or to the page heading if that control is gone).
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { focusPageHeading } from './Page';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.offsetParent !== null || e === document.activeElement);
}

interface DialogProps {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  /** `alertdialog` for confirmations: assistive technology reads the question at once. */
  role?: 'dialog' | 'alertdialog';
  /** The element to focus first; otherwise the first field or button after the heading. */
  initialFocus?: string;
  describedBy?: string;
}

export function Dialog({ title, open, onClose, children, role, initialFocus, describedBy }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const opener = useRef<HTMLElement | null>(null);
  // The native `close` event arrives a task after `close()`. When the parent closed the dialog
  // (open became false) it already knows; telling it again could land after it has opened the
  // dialog for something new (a second confirmation right after "Keep as is") and close that.
  const closedByParent = useRef(false);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      d.showModal?.();
      // After the children have rendered: the first control of the body, not the × button.
      requestAnimationFrame(() => {
        const wanted = initialFocus ? d.querySelector<HTMLElement>(initialFocus) : null;
        const body = d.querySelector<HTMLElement>('.dialog-body');
        (wanted ?? (body && focusables(body)[0]) ?? focusables(d)[0])?.focus();
      });
    }
    if (!open && d.open) {
      closedByParent.current = true;
      d.close?.();
    }
  }, [open, initialFocus]);

  // Return focus whenever the dialog closes, whoever closed it.
  const restore = () => {
    const back = opener.current;
    opener.current = null;
    requestAnimationFrame(() => {
      if (back?.isConnected && !back.hasAttribute('disabled')) back.focus();
      else focusPageHeading();
    });
  };

  // The native modal already makes the page inert; this keeps Tab from leaving for the browser's UI.
  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !ref.current) return;
    const items = focusables(ref.current);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      role={role}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      aria-modal="true"
      onClose={() => {
        restore();
        if (closedByParent.current) {
          closedByParent.current = false;
          return;
        }
        onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <header className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={() => ref.current?.close()}>
          ×
        </button>
      </header>
      <div className="dialog-body">{open && children}</div>
    </dialog>
  );
}

interface ConfirmRequest {
  title: string;
  body: ReactNode;
  /** The button that goes ahead, named after what it does ("Archive", "Cancel order"). */
  action: string;
  danger?: boolean;
}

type Confirm = (request: ConfirmRequest) => Promise<boolean>;

const ConfirmContext = createContext<Confirm>(() => Promise.resolve(false));

/** One confirmation dialog for the app: `await confirm({...})` is true only if the user went ahead. */
export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [request, setRequest] = useState<(ConfirmRequest & { resolve: (ok: boolean) => void }) | null>(null);
  const bodyId = useId();
  const confirm = useCallback<Confirm>((r) => new Promise((resolve) => setRequest({ ...r, resolve })), []);
  const settle = (ok: boolean) => {
    request?.resolve(ok);
    setRequest(null);
  };
  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <Dialog
        title={request?.title ?? ''}
        open={request !== null}
        onClose={() => settle(false)}
        role="alertdialog"
        describedBy={bodyId}
        initialFocus="[data-cancel]"
      >
        {request && (
          <>
            <div id={bodyId}>{request.body}</div>
            <div className="dialog-actions">
              <button type="button" className="secondary" data-cancel onClick={() => settle(false)}>
                Keep as is
              </button>
              <button type="button" className={request.danger ? 'danger' : undefined} onClick={() => settle(true)}>
                {request.action}
              </button>
            </div>
          </>
        )}
      </Dialog>
    </ConfirmContext.Provider>
  );
}

export const useConfirm = () => useContext(ConfirmContext);
