import Link from "next/link";
import { useId, type ReactNode } from "react";

interface PanelProps {
  title: string;
  /** Its anchor, for links to this part of the screen (`/profile#notifications`). */
  id?: string;
  /** Where to go from here, shown beside the title. */
  links?: readonly { href: string; label: string }[];
  children: ReactNode;
}

/** A titled block of a screen, a landmark named by its heading. */
export function Panel({ title, id, links = [], children }: PanelProps) {
  const titleId = useId();
  return (
    <section id={id} aria-labelledby={titleId} className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={titleId} className="text-lg font-semibold text-slate-900">
          {title}
        </h2>
        {links.length > 0 && (
          <div className="flex gap-4 text-sm">
            {links.map((link) => (
              <Link key={link.href} href={link.href} className="text-blue-700 underline">
                {link.label}
              </Link>
            ))}
          </div>
        )}
      </div>
      {children}
    </section>
  );
}
