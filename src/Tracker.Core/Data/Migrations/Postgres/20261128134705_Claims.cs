using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tracker.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Claims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ClaimMeasurements",
                columns: table => new
                {
                    ClaimId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    MeasuredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Verdict = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Value = table.Column<double>(type: "double precision", nullable: true),
                    ValueText = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    ValueAsOf = table.Column<DateOnly>(type: "date", nullable: true),
                    AtClaimDate = table.Column<bool>(type: "boolean", nullable: false),
                    Platforms = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Gap = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Breakdown = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClaimMeasurements", x => new { x.ClaimId, x.Day });
                });

            migrationBuilder.CreateTable(
                name: "ClaimVerdictChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ClaimId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FromVerdict = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Verdict = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Value = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClaimVerdictChanges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Rankings",
                columns: table => new
                {
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Origin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Rank = table.Column<int>(type: "integer", nullable: false),
                    RepoId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Author = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Country = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    Score = table.Column<double>(type: "double precision", nullable: true),
                    PipelineTag = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Note = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    RecordedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Rankings", x => new { x.Day, x.Origin, x.Rank });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ClaimVerdictChanges_ClaimId_Day",
                table: "ClaimVerdictChanges",
                columns: new[] { "ClaimId", "Day" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClaimMeasurements");

            migrationBuilder.DropTable(
                name: "ClaimVerdictChanges");

            migrationBuilder.DropTable(
                name: "Rankings");
        }
    }
}
