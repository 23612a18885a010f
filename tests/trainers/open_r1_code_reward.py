# Verbatim from open-r1 (huggingface/open-r1, commit 1416fa0cf21595d2083b399a2a0bbddd7f6e9563,
# src/open_r1/rewards.py, Apache-2.0): the parts of its `code` reward that decide a score, so the
# conformance tests judge gapforge's open-r1 export with open-r1's own code. open-r1 is not on PyPI
# and its providers (E2B, Morph) are remote services; `scripts_for` returns the scripts its
# `code_reward` hands to `execution_provider.execute_scripts`, which runs each and takes the value
# of its last expression. Re-copy when open-r1 changes these lines.
# ruff: noqa
import json
import re

OPEN_R1_COMMIT = "1416fa0cf21595d2083b399a2a0bbddd7f6e9563"


def extract_code(completion: str, language: str | None = "python") -> str:
    if language is None:
        return ""
    pattern = re.compile(rf"```{language}\n(.*?)```", re.DOTALL)
    matches = pattern.findall(completion)
    extracted_answer = matches[-1] if len(matches) >= 1 else ""
    return extracted_answer


def scripts_for(completions, **kwargs):
    evaluation_script_template = """
    import subprocess
    import json

    def evaluate_code(code, test_cases):
        passed = 0
        total = len(test_cases)
        exec_timeout = 5

        for case in test_cases:
            process = subprocess.run(
                ["python3", "-c", code],
                input=case["input"],
                text=True,
                capture_output=True,
                timeout=exec_timeout
            )

            if process.returncode != 0:  # Error in execution
                continue

            output = process.stdout.strip()

            # TODO: implement a proper validator to compare against ground truth. For now we just check for exact string match on each line of stdout.
            all_correct = True
            for line1, line2 in zip(output.split('\\n'), case['output'].split('\\n')):
                all_correct = all_correct and line1.strip() == line2.strip()

            if all_correct:
                passed += 1

        success_rate = (passed / total)
        return success_rate

    code_snippet = {code}
    test_cases = json.loads({test_cases})

    evaluate_code(code_snippet, test_cases)
    """

    code_snippets = [extract_code(completion[-1]["content"]) for completion in completions]
    verification_info = kwargs["verification_info"]

    template = evaluation_script_template

    scripts = [
        template.format(code=json.dumps(code), test_cases=json.dumps(json.dumps(info["test_cases"])))
        for code, info in zip(code_snippets, verification_info)
    ]
    return scripts


# --- not open-r1's: how its providers run a script. E2B and Morph run it in a Jupyter kernel,
# which strips the template's common indentation and answers the value of the last expression;
# the provider then takes float() of it.
def run_like_the_provider(script):
    import ast
    import textwrap

    tree = ast.parse(textwrap.dedent(script))
    last = tree.body.pop()
    namespace = {"__name__": "__main__"}
    exec(compile(tree, "<open-r1 script>", "exec"), namespace)
    return float(eval(compile(ast.Expression(last.value), "<open-r1 script>", "eval"), namespace))
