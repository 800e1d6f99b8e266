/** With --json every command prints exactly one JSON object on stdout, success or failure. */
export interface Output {
	json: boolean;
	result(value: Record<string, unknown>, human: string): void;
	fail(message: string, exitCode?: number): never;
	/** On stderr in both modes, so --json output stays one object. */
	warn(message: string): void;
}

export function createOutput(json: boolean): Output {
	return {
		json,
		result(value, human) {
			process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
		},
		fail(message, exitCode = 1) {
			if (json) process.stdout.write(`${JSON.stringify({ status: "failed", message })}\n`);
			else process.stderr.write(`sensorium: ${message}\n`);
			process.exit(exitCode);
		},
		warn(message) {
			process.stderr.write(`sensorium: warning: ${message}\n`);
		},
	};
}
