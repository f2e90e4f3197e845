"""Randomised problem templates: YAML format, parsing, deterministic instantiation, validation.

Public API::

    load_templates(path=None) -> dict[str, ProblemTemplate]       # shipped content by default
    parse_template(yaml_text) -> ProblemTemplate                   # TemplateError(issues=[...]) on error
    validate_template_source(yaml_text, seeds=20) -> list[TemplateIssue]
    instantiate(template, seed) -> ProblemInstance                 # same seed -> same instance
    check_instance_answer(instance, student) -> CheckResult

The format is documented for authors in ``docs/authoring.md``.
"""

from curriculum.solutions.steps import Step, WorkedSolution
from curriculum.templates.checking import check_instance_answer
from curriculum.templates.instantiate import instantiate
from curriculum.templates.loading import CONTENT_DIR, TemplateFile, iter_template_files, load_templates
from curriculum.templates.model import (
                                        ProblemInstance,
                                        ProblemTemplate,
                                        TemplateError,
                                        TemplateIssue,
                                        WrongAnswer,
)
from curriculum.templates.parse import parse_template
from curriculum.templates.validate import check_template, validate_template_source

__all__ = [
    "CONTENT_DIR", "ProblemInstance", "ProblemTemplate", "Step", "TemplateError", "TemplateFile",
    "TemplateIssue", "WorkedSolution", "WrongAnswer", "check_instance_answer", "check_template",
    "instantiate", "iter_template_files", "load_templates", "parse_template", "validate_template_source",
]
