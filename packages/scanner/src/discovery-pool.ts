import { Worker } from "node:worker_threads";
import { describeError } from "@sensorium/errors";
import {
	type Discovery,
	type DiscoveryService,
	type FileReport,
	type FileSource,
	type ScanOptions,
	unreadFile,
} from "./file-scan.ts";
import type { PipelineSettings } from "./pipeline.ts";
import type { ThreadRequest, ThreadResponse, ThreadSettings } from "./thread-protocol.ts";

export interface DiscoveryPoolOptions {
	/** WORKER_THREADS: threads shared by every execution of the process. */
	threads: number;
	/** WORKER_FILE_TIMEOUT_MS: a file still being inspected after this stops its thread and becomes a diagnostic. */
	fileTimeoutMs: number;
	pipeline: PipelineSettings;
	/** A module URL exporting `createPipeline(settings)` to run instead of the built-in pipeline. */
	pipelineModule?: string;
}

interface Task {
	id: number;
	path: string;
	source: FileSource;
	options: ScanOptions;
	resolve(report: FileReport): void;
	reject(reason: unknown): void;
	/** Detaches the task from its execution's signal once settled. */
	release(): void;
	/** Aborted after it was posted to a thread: the thread still gets to it, and what it reports is dropped. */
	aborted?: boolean;
}

interface Thread {
	worker: Worker;
	/** Files posted to the thread, in the order it inspects them; the first is the one it is on. */
	tasks: Task[];
	/** The per-file time limit of `tasks[0]`. */
	timer?: NodeJS.Timeout;
	/** Its pipeline is built: files are posted to it from then on. */
	ready: boolean;
	/** Being stopped or crashed: nothing more is posted to it. */
	stopping: boolean;
	error?: unknown;
}

/**
 * Files posted to a thread ahead of the one it is on: the next is already there when it finishes, so a thread
 * never waits for the event loop to answer its report (on a busy loop, that wait was as long as the work).
 */
const POSTED_PER_THREAD = 3;

/**
 * Discovery on a fixed set of worker threads, so that one large repository uses every core while the event
 * loop stays free for lease renewal, lock renewal and health checks. Each thread inspects one file at a time;
 * a thread that exits (a crash, out of memory) or overruns the per-file time limit on a file is replaced, and
 * that file alone becomes a diagnostic. Aborting a file's signal takes it off the queue, or stops its thread.
 */
export class DiscoveryPool implements DiscoveryService {
	readonly threads: number;
	readonly #options: DiscoveryPoolOptions;
	readonly #entry = threadEntry();
	readonly #all = new Set<Thread>();
	#queue: Task[] = [];
	#watched = new Map<AbortSignal, { tasks: Set<Task>; onAbort: () => void }>();
	#nextId = 1;
	#closed = false;

	/** Starts every thread and waits until each has built its pipeline (a broken pipeline fails here, at start). */
	static async start(options: DiscoveryPoolOptions): Promise<DiscoveryPool> {
		const pool = new DiscoveryPool(options);
		try {
			await Promise.all(Array.from({ length: options.threads }, () => pool.#spawn()));
		} catch (error) {
			await pool.close();
			throw error;
		}
		return pool;
	}

	private constructor(options: DiscoveryPoolOptions) {
		this.#options = options;
		this.threads = options.threads;
	}

	/**
	 * Files a scan keeps submitted (read, waiting or being inspected) so that no thread waits for the reader:
	 * what every thread holds, and as much again waiting here. A file not on local disk is held in memory
	 * meanwhile, so this stays a small multiple of the threads.
	 */
	get capacity(): number {
		return this.threads * POSTED_PER_THREAD * 2;
	}

	/** Discovery of one file on the next free thread; resolves with its report, rejects only when aborted. */
	readonly inspect: Discovery = (path, source, options, signal) =>
		new Promise<FileReport>((resolve, reject) => {
			if (this.#closed) return reject(new Error("the discovery pool is closed"));
			if (signal.aborted) return reject(signal.reason);
			const task: Task = {
				id: this.#nextId++,
				path,
				source,
				options,
				resolve,
				reject,
				release: () => this.#unwatch(signal, task),
			};
			this.#watch(signal, task);
			this.#queue.push(task);
			this.#dispatch();
		});

	/**
	 * One abort listener per execution's signal, however many of its files are in flight: a listener per file
	 * would pass Node's limit of ten per signal and warn of a leak.
	 */
	#watch(signal: AbortSignal, task: Task): void {
		let watch = this.#watched.get(signal);
		if (!watch) {
			const tasks = new Set<Task>();
			const onAbort = () => {
				for (const each of [...tasks]) this.#abort(each, signal.reason);
			};
			watch = { tasks, onAbort };
			this.#watched.set(signal, watch);
			signal.addEventListener("abort", onAbort, { once: true });
		}
		watch.tasks.add(task);
	}

	#unwatch(signal: AbortSignal, task: Task): void {
		const watch = this.#watched.get(signal);
		if (!watch) return;
		watch.tasks.delete(task);
		if (watch.tasks.size > 0) return;
		signal.removeEventListener("abort", watch.onAbort);
		this.#watched.delete(signal);
	}

	async close(): Promise<void> {
		this.#closed = true;
		for (const task of this.#queue.splice(0))
			this.#settle(task, () => task.reject(new Error("the discovery pool closed")));
		await Promise.all([...this.#all].map((thread) => thread.worker.terminate()));
	}

	#spawn(): Promise<void> {
		const worker = new Worker(this.#entry, {
			name: "sensorium-discovery",
			workerData: {
				pipeline: this.#options.pipeline,
				...(this.#options.pipelineModule ? { pipelineModule: this.#options.pipelineModule } : {}),
			} satisfies ThreadSettings,
		});
		const thread: Thread = { worker, tasks: [], ready: false, stopping: false };
		this.#all.add(thread);
		return new Promise((ready, failed) => {
			let started = false;
			worker.on("message", (message: ThreadResponse) => {
				if ("ready" in message) {
					started = true;
					thread.ready = true;
					this.#dispatch();
					return ready();
				}
				if (thread.tasks[0]?.id !== message.id) return;
				const task = this.#next(thread);
				if (!task.aborted) this.#settle(task, () => task.resolve(message.report));
				this.#dispatch();
			});
			worker.on("error", (error) => {
				thread.error = error;
				thread.stopping = true;
			});
			worker.on("exit", (code) => {
				this.#all.delete(thread);
				clearTimeout(thread.timer);
				const task = thread.tasks.shift();
				if (task && !task.aborted) this.#settle(task, () => task.resolve(threadExited(task.path, code, thread.error)));
				this.#requeue(thread);
				this.#dispatch();
				if (!started) return failed(thread.error ?? new Error(`a discovery thread exited with code ${code} at start`));
				if (!this.#closed) this.#spawn().catch(() => this.#failQueue(thread.error));
			});
		});
	}

	#dispatch(): void {
		for (const thread of this.#all) {
			while (this.#queue.length > 0 && thread.tasks.length < POSTED_PER_THREAD && thread.ready && !thread.stopping) {
				const task = this.#queue.shift() as Task;
				thread.tasks.push(task);
				if (thread.tasks.length === 1) this.#startClock(thread);
				this.#post(thread, task);
			}
		}
	}

	#post(thread: Thread, task: Task): void {
		if ("localPath" in task.source) {
			const request: ThreadRequest = { id: task.id, path: task.path, source: task.source, options: task.options };
			thread.worker.postMessage(request);
		} else {
			// A copy the thread owns: cloning a view would copy its whole underlying buffer (pooled or sliced).
			const bytes = new Uint8Array(task.source.bytes);
			const request: ThreadRequest = { id: task.id, path: task.path, source: { bytes }, options: task.options };
			thread.worker.postMessage(request, [bytes.buffer]);
		}
	}

	/** The time limit runs for the file the thread is on, from when it got to it. */
	#startClock(thread: Thread): void {
		const [task] = thread.tasks;
		if (!task) return;
		thread.timer = setTimeout(
			() => this.#stop(thread, fileTimedOut(task.path, this.#options.fileTimeoutMs)),
			this.#options.fileTimeoutMs,
		);
	}

	/** Takes the file the thread was on off it, and starts the clock of the one it goes on to. */
	#next(thread: Thread): Task {
		clearTimeout(thread.timer);
		const task = thread.tasks.shift() as Task;
		this.#startClock(thread);
		return task;
	}

	/** Files posted to a thread that stopped go back to the front of the queue, in their order. */
	#requeue(thread: Thread): void {
		const waiting = thread.tasks.splice(0).filter((task) => !task.aborted);
		if (!this.#closed) return void this.#queue.unshift(...waiting);
		for (const task of waiting) this.#settle(task, () => task.reject(new Error("the discovery pool closed")));
	}

	#abort(task: Task, reason: unknown): void {
		const queued = this.#queue.indexOf(task);
		if (queued !== -1) {
			this.#queue.splice(queued, 1);
			this.#settle(task, () => task.reject(reason));
			return;
		}
		const thread = [...this.#all].find((t) => t.tasks.includes(task));
		if (!thread) return;
		this.#settle(task, () => task.reject(reason));
		if (thread.tasks[0] !== task) {
			// Not started yet: it keeps its place, so the time limit of the files behind it stays theirs.
			task.aborted = true;
			return;
		}
		// The thread is busy with a file nobody waits for any more: stop it, a fresh one takes its place and the
		// files posted behind it go back to the queue.
		this.#stopThread(thread);
	}

	#stop(thread: Thread, report: FileReport): void {
		const [task] = thread.tasks;
		if (!task) return;
		if (!task.aborted) this.#settle(task, () => task.resolve(report));
		this.#stopThread(thread);
	}

	#stopThread(thread: Thread): void {
		clearTimeout(thread.timer);
		thread.tasks.shift();
		this.#requeue(thread);
		// Nothing more is posted to it while it stops; its exit starts the replacement.
		thread.stopping = true;
		void thread.worker.terminate();
		this.#dispatch();
	}

	#settle(task: Task, settle: () => void): void {
		task.release();
		settle();
	}

	/** No thread can be started any more: what waits would wait forever. */
	#failQueue(error: unknown): void {
		if (this.#all.size > 0) return;
		for (const task of this.#queue.splice(0))
			this.#settle(task, () => task.reject(error ?? new Error("no discovery thread could be started")));
	}
}

function fileTimedOut(path: string, timeoutMs: number): FileReport {
	const seconds = Math.round(timeoutMs / 1000);
	return unreadFile(
		path,
		"route",
		"FileTimeLimit",
		`discovery did not finish within ${seconds} s (WORKER_FILE_TIMEOUT_MS); its thread was stopped and replaced`,
	);
}

function threadExited(path: string, code: number, error: unknown): FileReport {
	const cause = error ? describeError(error) : undefined;
	return unreadFile(
		path,
		"route",
		cause?.errorClass ?? "ThreadExited",
		`the discovery thread stopped on this file (${cause ? cause.message : `exit code ${code}`}); it was replaced`,
	);
}

/** The bundle (scripts/build.mjs) ships the thread as discovery-thread.mjs next to worker.mjs. */
function threadEntry(): URL {
	const fromSource = import.meta.url.endsWith(".ts");
	return new URL(fromSource ? "./discovery-thread-source.mjs" : "./discovery-thread.mjs", import.meta.url);
}
