"""The run: workers that replay the plan, and the orchestration of contenders and repetitions."""
