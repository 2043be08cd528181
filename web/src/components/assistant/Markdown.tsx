// Markdown for the assistant's answers. The renderer (react-markdown and its parser) is a
// chunk of its own, started when the assistant opens, so opening the drawer or the page does
// not wait for it; until it is there an answer shows as plain text.
import { Suspense, lazy } from 'react';

export const loadMarkdown = () => import('./MarkdownView');
const MarkdownView = lazy(loadMarkdown);

export function Markdown({ text }: { text: string }) {
  return (
    <Suspense fallback={<div className="md md-plain">{text}</div>}>
      <MarkdownView text={text} />
    </Suspense>
  );
}
