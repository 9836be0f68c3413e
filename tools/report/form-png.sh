#!/usr/bin/env bash
#
# form-png.sh FORM.xlsx OUT.png: render the statistics form as a person
# sees it -- LibreOffice prints the workbook to PDF, pdftoppm makes the
# page a PNG -- cropped to the form.  Needs libreoffice-calc, poppler-utils
# and a CJK font (fonts-noto-cjk).  docs/report-form.png was made so, on
# a fresh instance filled by tools/report/docs-data.sql (made-up numbers):
#
#	PAICHA_VAR=/tmp/docs ./run && PAICHA_VAR=/tmp/docs ./run psql -f tools/report/docs-data.sql
#	curl -s --cacert var/tls/cert.pem -b COOKIES \
#	    'https://localhost:8443/api/v1/reports/campaign/2022?format=xlsx' -o form.xlsx
#	tools/report/form-png.sh form.xlsx docs/report-form.png
#
set -euo pipefail
in=$(realpath -- "$1")
out=$(realpath -m -- "$2")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp -- "$in" "$dir/form.xlsx"
HOME=$dir libreoffice -env:UserInstallation="file://$dir/profile" --headless \
    --convert-to pdf --outdir "$dir" "$dir/form.xlsx" >/dev/null 2>&1
# A3 landscape at 150 dpi is 2480 x 1754; the form fills the top of it.
pdftoppm -r 150 -png -singlefile -x 0 -y "${PAICHA_PNG_TOP:-60}" -W 2480 \
    -H "${PAICHA_PNG_HEIGHT:-480}" \
    "$dir/form.pdf" "$dir/form"
mv -- "$dir/form.png" "$out"
