import { type DependencyList, type ReactNode, useState } from "react";
import { ConfirmDialog } from "./dialog.tsx";
import { type Resource, useResource } from "./hooks.ts";
import { ErrorState, Loading, Notice, PageHeader } from "./ui.tsx";

/** Which dialog of a list screen is open: the create form, or an action on one item. */
export type OpenDialog<Item, Action extends string> = { kind: "create" } | { kind: Action; item: Item };

export interface ResourceListState<Item, Action extends string> {
	list: Resource<Item[]>;
	dialog: OpenDialog<Item, Action> | null;
	/** What the last action did, until the reader dismisses it or starts another one. */
	notice: string | null;
	open(dialog: OpenDialog<Item, Action>): void;
	close(): void;
	/** An action succeeded: its dialog closes, the notice says what happened and the list loads again. */
	done(notice: string): Promise<void>;
	dismissNotice(): void;
}

/** The state of a settings screen: its list, at most one open dialog, and the notice of the last action. */
export function useResourceList<Item, Action extends string>(
	load: () => Promise<Item[]>,
	deps: DependencyList,
): ResourceListState<Item, Action> {
	const list = useResource(load, deps);
	const [dialog, setDialog] = useState<OpenDialog<Item, Action> | null>(null);
	const [notice, setNotice] = useState<string | null>(null);
	return {
		list,
		dialog,
		notice,
		open(next) {
			setNotice(null);
			setDialog(next);
		},
		close: () => setDialog(null),
		async done(message) {
			setDialog(null);
			setNotice(message);
			await list.reload();
		},
		dismissNotice: () => setNotice(null),
	};
}

interface ListBodyProps<Item> {
	list: Resource<Item[]>;
	loadingLabel: string;
	errorTitle: string;
	/** Shown when the list is empty: an EmptyState saying what to create first. */
	empty: ReactNode;
	children: (items: Item[]) => ReactNode;
}

function ListBody<Item>({ list, loadingLabel, errorTitle, empty, children }: ListBodyProps<Item>) {
	if (list.error && !list.data) return <ErrorState title={errorTitle} error={list.error} onRetry={list.reload} />;
	if (!list.data) return <Loading label={loadingLabel} />;
	if (list.data.length === 0) return <>{empty}</>;
	return <>{children(list.data)}</>;
}

/**
 * A settings screen listing what the organisation has: the title with the button that opens the create
 * dialog, the notice of the last action, then the list (loading, failed with a retry, empty, or `children`).
 */
export function ResourceList<Item, Action extends string>({
	state,
	title,
	description,
	createLabel,
	...body
}: Omit<ListBodyProps<Item>, "list"> & {
	state: ResourceListState<Item, Action>;
	title: string;
	description: string;
	createLabel: string;
}) {
	return (
		<>
			<PageHeader
				title={title}
				description={description}
				actions={
					<button type="button" className="button button-primary" onClick={() => state.open({ kind: "create" })}>
						{createLabel}
					</button>
				}
			/>
			{state.notice ? <Notice onDismiss={state.dismissNotice}>{state.notice}</Notice> : null}
			<ListBody list={state.list} {...body} />
		</>
	);
}

/**
 * Asks before a destructive action on one item (revoke, delete); once the API has done it, the dialog
 * closes, the notice says what happened and the list loads again. A refusal stays in the dialog.
 */
export function ConfirmItemAction<Item, Action extends string>({
	state,
	title,
	confirmLabel,
	act,
	notice,
	children,
}: {
	state: ResourceListState<Item, Action>;
	title: string;
	confirmLabel: string;
	act: () => Promise<void>;
	notice: string;
	children: ReactNode;
}) {
	return (
		<ConfirmDialog
			title={title}
			confirmLabel={confirmLabel}
			onClose={state.close}
			onConfirm={async () => {
				await act();
				await state.done(notice);
			}}
		>
			{children}
		</ConfirmDialog>
	);
}
