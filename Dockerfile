# The monthly job in a container: `clinicvalue batch` over a mounted folder.
#   python -m build --wheel            # writes dist/clinicvalue-*.whl
#   docker build -t clinicvalue .
#   docker run --rm -v /srv/clinics:/data clinicvalue          # batch clinics.toml, last month
# /data holds clinics.toml, each clinic's exports and profile; reports land in
# /data/reports, and the pseudonym secret is kept in /data/.clinicvalue-secret (back it
# up, or pass CLINICVALUE_SECRET). The packages are scripts/system-deps.sh's report list.
FROM python:3.11-slim-bookworm

ARG REPORT_PACKAGES="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ${REPORT_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*

COPY dist/ /tmp/dist/
RUN sh -c 'pip install --no-cache-dir "$(ls /tmp/dist/clinicvalue-*.whl)[sql]"' && rm -rf /tmp/dist

RUN useradd --create-home clinic
USER clinic
WORKDIR /data
ENV CLINICVALUE_SECRET_FILE=/data/.clinicvalue-secret
ENTRYPOINT ["clinicvalue"]
CMD ["batch", "clinics.toml", "--month", "previous", "--out", "reports"]
