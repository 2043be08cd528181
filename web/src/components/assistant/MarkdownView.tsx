// The assistant's answers as Markdown, safely: raw HTML in the text is dropped (no
// rehype-raw), images are not loaded (an answer shaped by planted text could point one at
// an outside address to leak what it saw), and links to other sites open apart, without
// the referrer.
import ReactMarkdown, { type Components } from 'react-markdown';

const components: Components = {
  a: ({ href, children }) =>
    href?.startsWith('/') && !href.startsWith('//') ? (
      <a href={href}>{children}</a>
    ) : (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ),
};

export default function MarkdownView({ text }: { text: string }) {
  return (
    <div className="md">
      <ReactMarkdown skipHtml disallowedElements={['img']} unwrapDisallowed components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
