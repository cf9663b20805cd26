"""ATS intake: webhooks, candidate events, vacancies and job feeds."""
